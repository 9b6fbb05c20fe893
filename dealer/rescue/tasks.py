"""The rescue module's part of each store's night: learn the arrival estimate from the store's rescues."""
from __future__ import annotations

from dealer.rescue.services.settings import learn_eta
from dealer.scheduler import nightly_task

nightly_task("rescue_learn_eta", order=50)(learn_eta)
