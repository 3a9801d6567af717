"""Layout rules: the numerical core stays free of Django (so it can move to a training host unchanged), and
templates never show their comments to users."""

import ast
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
