"""The repair module's scheduled jobs."""
from __future__ import annotations

import logging

from flask import current_app

from dealer.database import utcnow
from dealer.repair.services.photos import clean_photo_folder
from dealer.scheduler import job

log = logging.getLogger(__name__)


# Every hour: a leftover is cleaned once it is an hour old (a photo being uploaded is younger).
@job("inspection_photo_cleanup", trigger="cron", minute=30)
def clean_photos_job():
    """Finish or remove what interrupted photo uploads and removals left in the upload folder."""
    counts = clean_photo_folder(current_app.config["UPLOAD_FOLDER"], now=utcnow())
    if any(counts.values()):
        log.info("inspection photo folder: %(finished)d uploads finished, %(removed)d leftovers removed", counts)
    return counts
