"""The benchmark scripts run as their docstrings say: from the repository root, as files, on a small database."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_script(name: str, *args: str, database: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    return subprocess.run([sys.executable, f"scripts/{name}", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


def test_bench_scripts_run_from_the_repository_root(tmp_path):
    database = tmp_path / "bench.sqlite3"
    # The demo data is seeded around the machine's today; the scan starts on that day.
    scan = run_script("bench_reminder_scan.py", "--vehicles", "40", "--day", date.today().isoformat(),
                      database=database)
    assert scan.returncode == 0, scan.stderr[-3000:]
    for label in ("full scan:", "second scan:", "next night:", "1st of a month:"):
        assert label in scan.stdout
    assert "MISMATCH" not in scan.stderr

    search = run_script("bench_search.py", "--vehicles", "40", "--rounds", "3", database=database)
    assert search.returncode == 0, search.stderr[-3000:]
    assert "plate, last 4" in search.stdout


def test_the_app_starts_in_a_fresh_interpreter_as_flask_and_gunicorn_start_it(tmp_path):
    """`flask --app dealer db upgrade` and gunicorn's `import wsgi`, each in a new process: the composition root
    must map every model by itself (a module importing another's services at import time once configured the
    mappers before the parts and repair models were imported, and the app did not start outside the tests)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}", "SECRET_KEY": "entry-test"}
    env.pop("DEALER_ENV", None)
    flask = Path(sys.executable).with_name("flask")
    upgrade = subprocess.run([str(flask), "--app", "dealer", "db", "upgrade"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=300)
    assert upgrade.returncode == 0, upgrade.stderr[-3000:]
    served = subprocess.run([sys.executable, "-c", "import gc, wsgi; print(wsgi.app.name, gc.get_freeze_count() > 0)"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert served.returncode == 0, served.stderr[-3000:]
    assert served.stdout.split() == ["dealer.app", "True"]
