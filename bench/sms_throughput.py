"""The SMS sender's throughput: two senders, each its own process, to the loopback Alibaba Cloud stand-in.

    DATABASE_URL=postgresql://... .venv/bin/python -m bench.sms_throughput --messages 2000

It queues --messages messages through the outbox (`dealer.sms.outbox.enqueue`, one per owner, in the
stores of the benchmark's data), starts the stand-in of the test suite (tests/sms/standin.py: a real HTTP
server on 127.0.0.1 that checks each request's signature, as the provider does) and runs two processes that
each loop `dealer.sms.sender.send_due` (batches of --limit, the scheduler's job) until none of these
messages is left to send. It prints messages per second from the first claim to the last answer, what each
sender sent, and checks the stand-in's record: every message received once.

The messages are of the kind `booking_code`: a service SMS that may leave at night and has no daily cap per
phone, so the figure does not depend on the hour it runs; its priority (1) puts it before the reminders
the scan queued. The senders stop when these are all sent; the last batches may also take some of those
reminders (a batch takes up to --limit due messages): they are sent too, and counted, as the morning's
queue would be. Every store gets a provider template code for every kind first (the stand-in, like the
provider, refuses a send without one).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from datetime import datetime, timezone

import sqlalchemy as sa

from dealer import create_app
from dealer.actors import SYSTEM
from dealer.customers.models import Customer, Vehicle
from dealer.extensions import db
from dealer.sms import services
from dealer.sms.gateway import AliyunSmsGateway
from dealer.sms.kinds import KINDS
from dealer.sms.models import QUEUED, SENDING, SmsMessage
from dealer.sms.outbox import enqueue, template_for
from dealer.sms.sender import send_due
from dealer.stores.models import Store
from tests.sms.standin import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SmsStandin

KIND = "booking_code"


def _sender(index: int, endpoint: str, first_id: int, last_id: int, limit: int, start, results) -> None:
    """One sender process: loop send_due until the benchmark's messages are all sent or failed."""

    app = create_app({"SECRET_KEY": "bench"})
    gateway = AliyunSmsGateway(access_key_id=ACCESS_KEY_ID, access_key_secret=ACCESS_KEY_SECRET,
                               endpoint=endpoint, protocol="http", connect_timeout=0.5, read_timeout=2.0)
    sent = failed = batches = 0
    with app.app_context():
        start.wait()
        while True:
            report = send_due(gateway=gateway, now_fn=lambda: datetime.now(timezone.utc), limit=limit,
                              worker=f"bench-sender-{index}")
            sent, failed, batches = sent + report.sent, failed + report.failed, batches + 1
            if report.gateway_down:
                time.sleep(0.5)
            left = db.session.scalar(sa.select(sa.func.count()).select_from(SmsMessage).where(
                SmsMessage.id.between(first_id, last_id), SmsMessage.state.in_((QUEUED, SENDING))))
            db.session.commit()
            if not left:
                break
            if not report.claimed:
                time.sleep(0.05)  # the rest is leased by the other sender
    results.put({"index": index, "sent": sent, "failed": failed, "batches": batches, "finished": time.time()})


def _queue(count: int) -> tuple[int, int, list[str]]:
    """Queue `count` messages for as many owners; return the first and last id and their out ids."""

    now = datetime.now(timezone.utc)
    _approved_template_codes()
    rows = db.session.execute(
        sa.select(Customer, Vehicle.id, Vehicle.plate).join(Vehicle, sa.and_(Vehicle.owner_id == Customer.id,
                                                                             Vehicle.store_id == Customer.store_id))
        .where(Customer.service_sms_opt_out.is_(False)).order_by(Customer.id.desc()).limit(count)).all()
    if len(rows) < count:
        raise SystemExit(f"only {len(rows)} owners to write to; ask for fewer --messages")
    messages = []
    for number, (customer, vehicle_id, plate) in enumerate(rows):
        message = enqueue(KIND, store_id=customer.store_id, phone=customer.mobile, customer=customer,
                          vehicle_id=vehicle_id, now=now,
                          params={"name": customer.name, "plate": plate, "code": f"{number % 1_000_000:06d}",
                                  "slot": "12月8日 09:30"})
        if message is not None:
            messages.append(message)
    db.session.commit()
    ids = [m.id for m in messages]
    return min(ids), max(ids), [m.out_id for m in messages]


def _approved_template_codes() -> None:
    """Give every store the provider's template code of every kind it lacks, as its manager enters the
    approved ones: the reminders the scan queued then leave too when a batch reaches them."""

    for store_id in db.session.scalars(sa.select(Store.id).where(Store.active)).all():
        for number, kind in enumerate(KINDS):
            body, code = template_for(store_id, kind)
            if not code:
                services.save_template(store_id, kind=kind, body=body or KINDS[kind].default_body,
                                       provider_template_code=f"SMS_{store_id:04d}{number:04d}", actor=SYSTEM)


def measure(messages: int, limit: int = 100) -> dict:

    app = create_app({"SECRET_KEY": "bench"})
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        first_id, last_id, out_ids = _queue(messages)
        db.session.remove()
    context = multiprocessing.get_context("spawn")  # a fresh interpreter each: no inherited connections
    start, results = context.Event(), context.Queue()
    with SmsStandin() as standin:
        senders = [context.Process(target=_sender, args=(i, standin.endpoint, first_id, last_id, limit, start,
                                                         results)) for i in (1, 2)]
        for process in senders:
            process.start()
        time.sleep(3.0)  # both have imported the app and connected: time the sending only
        started = time.time()
        start.set()
        done = [results.get(timeout=3600) for _ in senders]
        for process in senders:
            process.join()
        seconds = max(d["finished"] for d in done) - started
        received = [m for m in standin.messages if m.out_id in set(out_ids)]
        duplicates = sum(1 for out_id in out_ids if standin.deliveries(out_id) > 1)
    with app.app_context():
        left = db.session.scalar(sa.select(sa.func.count()).select_from(SmsMessage).where(
            SmsMessage.id.between(first_id, last_id), SmsMessage.state.in_((QUEUED, SENDING))))
    sent = sum(d["sent"] for d in done)
    return {"queued": len(out_ids), "sent": sent, "failed": sum(d["failed"] for d in done), "limit": limit,
            "per_sender": [d["sent"] for d in sorted(done, key=lambda d: d["index"])], "seconds": seconds,
            "per_second": sent / seconds if seconds else 0.0, "received": len(received), "duplicates": duplicates,
            "left": left}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--limit", type=int, default=100, help="messages per send_due batch (the job's)")
    parser.add_argument("--json", action="store_true", help="print one `SMS {...}` line for bench.run")
    args = parser.parse_args()
    result = measure(args.messages, args.limit)
    if args.json:
        print("SMS " + json.dumps(result))
    else:
        print(f"{result['sent']:,} of {result['queued']:,} sent in {result['seconds']:.1f} s: "
              f"{result['per_second']:,.0f}/s; per sender {result['per_sender']}; stand-in received "
              f"{result['received']:,}, {result['duplicates']} twice, {result['left']} left")
    return 0 if result["duplicates"] == 0 and result["left"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
