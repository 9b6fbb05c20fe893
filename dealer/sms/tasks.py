"""The SMS module's scheduled jobs: the sender every 15 s, and taking back leases of senders that died."""
from __future__ import annotations

from flask import current_app

from dealer.database import utcnow
from dealer.scheduler import job
from dealer.sms.gateway import gateway_from_config
from dealer.sms.sender import expire_leases, send_due


@job("sms_send", trigger="interval", seconds=15)
def send_sms_job():
    gateway = gateway_from_config(current_app.config)
    for _ in range(50):  # at most 50 batches a run; the next run picks up the rest
        report = send_due(gateway=gateway, now_fn=utcnow)
        if report.claimed == 0 or report.gateway_down:
            break


@job("sms_expire_leases", trigger="interval", seconds=60)
def expire_leases_job():
    expire_leases(now=utcnow())
