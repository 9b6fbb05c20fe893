"""The entry point gunicorn serves: `gunicorn wsgi:app`."""
import gc

from dealer import create_app

app = create_app()
# What the app built at start-up (mappers, compiled routes, translations: about 300,000 objects) lives as long as
# the worker; freezing it keeps the collector from walking it again on every full collection, which otherwise
# stalls a request now and then for 150-400 ms (bench/rescue_proposal.py's slowest 1%; docs/benchmarks.md).
gc.freeze()
