"""The one guard against spreadsheet formula injection, for every CSV the site writes.

Spreadsheets run a cell that starts with one of FORMULA_PREFIXES as a formula (`=HYPERLINK(...)`), so text
we did not write ourselves (survey ids, user names, user agents) gets a leading apostrophe, which
spreadsheets show as plain text. Python-written CSV uses `spreadsheet_safe`; CSV that PostgreSQL writes
with COPY wraps the same columns in `spreadsheet_safe_sql`, built from the same prefixes.
"""

from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    return f"'{value}" if value[:1] in FORMULA_PREFIXES else value


def spreadsheet_safe_cell(value: Any) -> Any:
    """Text through `spreadsheet_safe`; numbers, booleans and missing values unchanged."""
    return spreadsheet_safe(value) if isinstance(value, str) else value


def _sql_literal(text: str) -> str:
    # E'' literals, so a tab or carriage return is written as an escape, not a raw control character.
    escaped = (
        text.replace("\\", "\\\\").replace("'", "\\'").replace("\t", "\\t").replace("\r", "\\r")
    )
    return f"E'{escaped}'"


def spreadsheet_safe_sql(column: str) -> str:
    """SQL for `spreadsheet_safe(column)` (PostgreSQL); `column` is our own expression, never input."""
    prefixes = ", ".join(_sql_literal(prefix) for prefix in FORMULA_PREFIXES)
    return f"(CASE WHEN left({column}, 1) IN ({prefixes}) THEN '''' || {column} ELSE {column} END)"
