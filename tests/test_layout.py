"""The numerical core stays free of Django, so it can move to a training host unchanged."""

import ast
from pathlib import Path

ML = Path(__file__).resolve().parents[1] / "ml"


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
