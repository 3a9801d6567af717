"""Classification exports in two layouts, each written by PostgreSQL's COPY or, on SQLite, by Python.

- `flat`: one row per classification, one column per field, no nested JSON (R, pandas, spreadsheets).
- `panoptes`: Zooniverse Panoptes' classification-export columns, so `panoptes_aggregation`'s question
  extractor and reducer run on it unchanged. The question is task T0 (four answers); a cluster's redshift
  is the follow-up task T1, as a branching Panoptes workflow would record it.

Both paths read the same filtered query (`inner`); PostgreSQL formats it in SQL (one COPY, no Python per
row), the fallback formats it in Python. A test checks that both give the same table.
"""

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Case, CharField, F, OuterRef, QuerySet, Subquery, Value, When

from hunt.classify.models import Classification, SubjectStatus
from hunt.core.spreadsheet import spreadsheet_safe_sql
from hunt.exports.streaming import RowsDone, copy_chunks, csv_chunks, uses_copy

ANSWER_LABELS = {
    "cluster": "Galaxy cluster",
    "galaxy": "Nearby galaxy",
    "point": "Point source (star or AGN)",
    "other": "Other / artefact",
}
REDSHIFT_LABELS = {"low": "Low redshift", "high": "High redshift"}
REDSHIFT_QUESTION = "Is the cluster at low or high redshift?"
LABELS = {("cluster", "low"): "cluster_low_z", ("cluster", "high"): "cluster_high_z"}

FLAT_HEADER = (
    "classification_id", "created_at", "workflow_id", "workflow", "workflow_version", "subject_id",
    "subject_set", "external_id", "ra", "dec", "volunteer_id", "user_name", "logged_in", "user_ip",
    "answer", "redshift", "label", "gold_standard", "feedback_shown", "time_spent_ms", "user_agent",
)  # fmt: skip
PANOPTES_HEADER = (
    "classification_id", "user_name", "user_id", "user_ip", "workflow_id", "workflow_name",
    "workflow_version", "created_at", "gold_standard", "expert", "metadata", "annotations",
    "subject_data", "subject_ids",
)  # fmt: skip

# The account name only where the volunteer was signed in when classifying (Zooniverse's rule): a volunteer
# who classified anonymously and signed up later keeps those rows as not-logged-in-<volunteer id>.
_USER = Case(
    When(logged_in_at_classification=True, then=F("volunteer__user__username")),
    default=Value(None),
    output_field=CharField(),
)

_FLAT_INNER = {
    "c_id": F("pk"), "c_created": F("created_at"), "c_workflow_id": F("workflow_id"),
    "c_workflow": F("workflow__slug"), "c_version": F("workflow_version"), "c_subject": F("subject_id"),
    "c_set": F("subject__subject_set__slug"), "c_external": F("subject__external_id"),
    "c_ra": F("subject__ra"), "c_dec": F("subject__dec"), "c_volunteer": F("volunteer_id"),
    "c_user": _USER, "c_ip": F("ip_hash"), "c_answer": F("answer"),
    "c_redshift": F("redshift"), "c_gold": F("was_gold"), "c_feedback": F("feedback_shown"),
    "c_time": F("time_spent_ms"), "c_agent": F("user_agent"),
}  # fmt: skip


def _panoptes_inner() -> dict[str, Any]:
    status = SubjectStatus.objects.filter(
        workflow_id=OuterRef("workflow_id"), subject_id=OuterRef("subject_id")
    )
    return {
        "c_id": F("pk"), "c_user": _USER, "c_volunteer": F("volunteer_id"),
        "c_ip": F("ip_hash"), "c_workflow_id": F("workflow_id"), "c_workflow_name": F("workflow__name"),
        "c_version": F("workflow_version"), "c_created": F("created_at"), "c_gold": F("was_gold"),
        "c_agent": F("user_agent"), "c_time": F("time_spent_ms"), "c_feedback": F("feedback_shown"),
        "c_viewer": F("viewer_state"), "c_question": F("workflow__question"), "c_answer": F("answer"),
        "c_redshift": F("redshift"), "c_subject": F("subject_id"), "c_external": F("subject__external_id"),
        "c_set_name": F("subject__subject_set__name"), "c_ra": F("subject__ra"), "c_dec": F("subject__dec"),
        "c_subject_meta": F("subject__metadata"),
        "c_retired_at": Subquery(status.values("retired_at")[:1]),
        "c_reason": Subquery(status.values("retirement_reason")[:1]),
    }  # fmt: skip


def _inner(rows: QuerySet[Classification], columns: dict[str, Any]) -> QuerySet[Any]:
    return rows.values(**columns).values_list(*columns)


# --- PostgreSQL: the formatting in SQL, around the ORM's filtered query ----------------------------------


def _iso(column: str) -> str:
    return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


def _case(column: str, mapping: dict[str, str]) -> str:
    # Only our own constant labels are inlined (never request data).
    whens = " ".join(f"WHEN '{key}' THEN '{value}'" for key, value in mapping.items())
    return f"CASE {column} {whens} END"


def _bool(column: str) -> str:
    return f"CASE WHEN {column} THEN 'True' ELSE 'False' END"


_USER_NAME = spreadsheet_safe_sql("COALESCE(q.c_user, 'not-logged-in-' || q.c_volunteer)")
# Text that volunteers, admins or survey files chose: guarded as the Python path guards every text cell.
_SAFE = spreadsheet_safe_sql

_FLAT_SQL = f"""SELECT q.c_id AS classification_id, {_iso("q.c_created")} AS created_at,
 q.c_workflow_id AS workflow_id, {_SAFE("q.c_workflow")} AS workflow, q.c_version AS workflow_version,
 q.c_subject AS subject_id, {_SAFE("q.c_set")} AS subject_set, {_SAFE("q.c_external")} AS external_id,
 q.c_ra AS ra,
 q.c_dec AS dec, q.c_volunteer AS volunteer_id, {_USER_NAME} AS user_name,
 CASE WHEN q.c_user IS NULL THEN 'False' ELSE 'True' END AS logged_in, q.c_ip AS user_ip,
 q.c_answer AS answer, q.c_redshift AS redshift,
 CASE WHEN q.c_answer = 'cluster' AND q.c_redshift = 'low' THEN 'cluster_low_z'
      WHEN q.c_answer = 'cluster' AND q.c_redshift = 'high' THEN 'cluster_high_z'
      ELSE q.c_answer END AS label,
 {_bool("q.c_gold")} AS gold_standard, {_bool("q.c_feedback")} AS feedback_shown,
 q.c_time AS time_spent_ms, {_SAFE("q.c_agent")} AS user_agent
FROM ({{inner}}) AS q"""

_PANOPTES_SQL = f"""SELECT q.c_id AS classification_id, {_USER_NAME} AS user_name,
 CASE WHEN q.c_user IS NULL THEN NULL ELSE q.c_volunteer END AS user_id, q.c_ip AS user_ip,
 q.c_workflow_id AS workflow_id, {_SAFE("q.c_workflow_name")} AS workflow_name,
 q.c_version AS workflow_version,
 to_char(q.c_created AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"') AS created_at,
 {_bool("q.c_gold")} AS gold_standard, NULL::text AS expert,
 jsonb_build_object('source', 'cluster-hunt', 'live_project', true,
   'started_at', CASE WHEN q.c_time IS NULL THEN NULL
                      ELSE {_iso("(q.c_created - q.c_time * interval '1 millisecond')")} END,
   'finished_at', {_iso("q.c_created")}, 'time_spent_ms', q.c_time, 'user_agent', q.c_agent,
   'gold_feedback_shown', q.c_feedback, 'viewer_state', q.c_viewer,
   'workflow_version', q.c_version::text)::text AS metadata,
 (jsonb_build_array(jsonb_build_object('task', 'T0', 'task_label', q.c_question,
   'value', {_case("q.c_answer", ANSWER_LABELS)}))
  || CASE WHEN q.c_redshift = '' THEN '[]'::jsonb
     ELSE jsonb_build_array(jsonb_build_object('task', 'T1', 'task_label', '{REDSHIFT_QUESTION}',
       'value', {_case("q.c_redshift", REDSHIFT_LABELS)})) END)::text AS annotations,
 jsonb_build_object(q.c_subject::text, COALESCE(q.c_subject_meta, '{{}}'::jsonb) || jsonb_build_object(
   'retired', CASE WHEN q.c_retired_at IS NULL THEN NULL ELSE jsonb_build_object(
     'retired_at', {_iso("q.c_retired_at")}, 'retirement_reason', q.c_reason) END,
   'external_id', q.c_external, 'subject_set', q.c_set_name, 'ra', q.c_ra, 'dec', q.c_dec))::text
   AS subject_data,
 q.c_subject AS subject_ids
FROM ({{inner}}) AS q"""


def _copy(
    rows: QuerySet[Classification], columns: dict[str, Any], outer: str, progress: RowsDone | None
) -> Iterator[bytes]:
    inner, params = _inner(rows, columns).query.sql_with_params()
    return copy_chunks(outer.replace("{inner}", inner), params, progress=progress)


# --- Python: the same table, for databases without COPY -------------------------------------------------


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _flag(value: bool) -> str:
    return "True" if value else "False"


def _flat_row(row: Sequence[Any]) -> list[Any]:
    (pk, created, workflow_id, workflow, version, subject, subject_set, external, ra, dec, volunteer,
     user, ip, answer, redshift, gold, feedback, time_ms, agent) = row  # fmt: skip
    return [
        pk, iso(created), workflow_id, workflow, version, subject, subject_set, external, ra, dec,
        volunteer, user if user is not None else f"not-logged-in-{volunteer}", _flag(user is not None),
        ip, answer, redshift, LABELS.get((answer, redshift), answer), _flag(gold), _flag(feedback),
        time_ms, agent,
    ]  # fmt: skip


def _panoptes_row(row: Sequence[Any]) -> list[Any]:
    (pk, user, volunteer, ip, workflow_id, workflow_name, version, created, gold, agent, time_ms,
     feedback, viewer, question, answer, redshift, subject, external, set_name, ra, dec, subject_meta,
     retired_at, reason) = row  # fmt: skip
    started = iso(created - timedelta(milliseconds=time_ms)) if time_ms is not None else None
    metadata = {
        "source": "cluster-hunt", "live_project": True, "started_at": started, "finished_at": iso(created),
        "time_spent_ms": time_ms, "user_agent": agent, "gold_feedback_shown": feedback,
        "viewer_state": viewer, "workflow_version": str(version),
    }  # fmt: skip
    annotations = [{"task": "T0", "task_label": question, "value": ANSWER_LABELS[answer]}]
    if redshift:
        annotations.append(
            {"task": "T1", "task_label": REDSHIFT_QUESTION, "value": REDSHIFT_LABELS[redshift]}
        )
    retired = (
        None if retired_at is None else {"retired_at": iso(retired_at), "retirement_reason": reason}
    )
    subject_data = {
        str(subject): {
            **(subject_meta or {}), "retired": retired, "external_id": external,
            "subject_set": set_name, "ra": ra, "dec": dec,
        }
    }  # fmt: skip
    return [
        pk, user if user is not None else f"not-logged-in-{volunteer}",
        volunteer if user is not None else None, ip, workflow_id, workflow_name, version,
        created.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"), _flag(gold), None,
        _json(metadata), _json(annotations), _json(subject_data), subject,
    ]  # fmt: skip


def classification_csv_chunks(
    rows: QuerySet[Classification],
    *,
    layout: str,
    progress: RowsDone | None = None,
    force_python: bool = False,
) -> Iterator[bytes]:
    """The CSV of `rows` (already filtered) in `layout` ("flat" or "panoptes"), chunk by chunk."""
    header: Sequence[str]
    if layout == "flat":
        columns, outer, header, format_row = _FLAT_INNER, _FLAT_SQL, FLAT_HEADER, _flat_row
    elif layout == "panoptes":
        columns, outer = _panoptes_inner(), _PANOPTES_SQL
        header, format_row = PANOPTES_HEADER, _panoptes_row
    else:
        raise ValueError(f"unknown layout {layout!r}")
    if uses_copy() and not force_python:
        return _copy(rows, columns, outer, progress)
    fetched = _inner(rows, columns).iterator(chunk_size=5000)
    return csv_chunks(header, (format_row(row) for row in fetched), progress=progress)
