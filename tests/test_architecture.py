"""The shape of the package: layers without cycles, imports at the top of files, files a newcomer can read.

The layers are written down once, as import-linter contracts in setup.cfg (docs/architecture.md draws
them); ruff's PLC0415 finds an import hidden inside a function, which is allowed only with its reason
written beside it (`# noqa: PLC0415 (reason)`).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 450  # about the size at which a file becomes a package (STYLE.md)
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_modules_import_only_the_layers_below_them_and_no_cycle():
    result = run(str(BIN / "lint-imports"), "--config", "setup.cfg", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_imports_inside_functions_give_their_reason():
    result = run(sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "dealer")
    assert result.returncode == 0, result.stdout + result.stderr
    reasons = [line for path in (ROOT / "dealer").rglob("*.py") for line in path.read_text().splitlines()
               if "noqa: PLC0415" in line]
    assert all("(" in line.split("noqa: PLC0415", 1)[1] for line in reasons), reasons


@pytest.mark.parametrize("path", sorted(p.relative_to(ROOT) for p in (ROOT / "dealer").rglob("*.py")), ids=str)
def test_no_file_of_the_package_outgrows_a_newcomers_read(path):
    lines = len((ROOT / path).read_text().splitlines())
    assert lines <= MAX_LINES, f"{path} has {lines} lines: make it a package (STYLE.md)"


# The rooms of a module that only read, shape input or react: they never end a transaction (services do).
NEVER_COMMIT = {"views", "api", "models", "queries", "forms", "schemas", "handlers", "signals"}


def room(path: Path) -> str:
    """The room of a module a file is in: dealer/repair/views/orders.py and dealer/sms/views.py are "views"."""
    parts = path.relative_to(ROOT / "dealer").parts
    return Path(parts[1]).stem if len(parts) > 1 else ""


def test_only_services_commit():
    checked = [path for path in (ROOT / "dealer").rglob("*.py") if room(path) in NEVER_COMMIT]
    assert ROOT / "dealer" / "customers" / "views.py" in checked  # the rule reads the files it means
    offenders = [str(path.relative_to(ROOT)) for path in checked if ".commit()" in path.read_text()]
    assert offenders == []
