"""The entry point gunicorn serves: `gunicorn wsgi:app`."""
from dealer import create_app

app = create_app()
