"""markup/ is a plain package: importing all of it loads no ORM, no request handling, no app.

Run in a fresh interpreter without Django settings, so that nothing another test imported
hides an import (one made inside a function that runs at import time included).
"""

import subprocess
import sys
from pathlib import Path

import markup

FORBIDDEN_PACKAGES = {"articles", "kb"}
FORBIDDEN_MODULES = ("django.db", "django.http", "django.conf")


def test_markup_imports_no_orm_no_request_no_app():
    package = Path(markup.__file__).parent
    modules = sorted(f"markup.{path.stem}" for path in package.glob("*.py") if path.stem != "__init__")
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN_PACKAGES!r}"
        f" or m.startswith({FORBIDDEN_MODULES!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env={}, cwd=package.parent, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout
