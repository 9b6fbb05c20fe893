"""Demo data: `flask --app dealer seed-demo` fills a realistic store."""
from dealer.demo.cli import seed_demo_command  # noqa: F401
