"""Layout rules: the numerical core stays free of Django (so it can move to a training host unchanged), the
web process and the worker start without the heavy numerical libraries, and templates never show their
comments to users."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ML = ROOT / "ml"


def test_ml_never_imports_django_or_the_web_project() -> None:
    offenders = []
    for path in ML.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path}: {name}"
                for name in names
                if name.split(".")[0] in {"django", "hunt", "rest_framework", "celery"}
            ]
    assert offenders == []


def test_template_comments_are_one_line_or_comment_blocks() -> None:
    # Django's {# #} ends at the line's end: a multi-line one is printed into the page as text.
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "templates").rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "{#" in line and "#}" not in line[line.index("{#") :]
    ]
    assert offenders == []


# Libraries a page or job loads when it needs them, never at start-up: together they cost a web process
# ~200 MB and seconds (docs/performance.md, "Start-up").
HEAVY_MODULES = (
    "torch",
    "sklearn",
    "scipy",
    "matplotlib",
    "pyarrow",
    "pandas",
    "astropy.coordinates",
)

_STARTUP_PROBE = """
import json, sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns
web = sorted(sys.modules)
from hunt.celery import app
app.loader.import_default_modules()
tasks = sorted(name for name in app.tasks if name.startswith("hunt."))
print(json.dumps({"web": web, "worker": sorted(sys.modules), "tasks": tasks}))
"""


def test_web_process_and_worker_start_without_heavy_libraries() -> None:
    # A fresh interpreter: this test process has imported everything already.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hunt.settings", "PYTHONPATH": str(ROOT)}
    probe = subprocess.run(
        [sys.executable, "-c", _STARTUP_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    loaded = json.loads(probe.stdout.strip().splitlines()[-1])
    # The probe reached the URLconf and every task module, so the check below covers them.
    assert "hunt.urls" in loaded["web"]
    assert "hunt.learning.tasks.training_run_task" in loaded["tasks"]
    for process in ("web", "worker"):
        heavy = [name for name in HEAVY_MODULES if name in loaded[process]]
        assert heavy == [], f"the {process} process imports {heavy} at start-up"
