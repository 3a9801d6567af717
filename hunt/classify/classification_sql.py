"""The SQL of the classification write path on PostgreSQL: one statement per classification.

A vote used to take a transaction of five to seven statements (count the vote, read the gold label, insert,
advance the volunteer's progress, commit). Here one statement with data-modifying CTEs does it all, so in
autocommit it is one round trip and one commit:

1. `counted`: add the vote to the subject's counts (UPDATE ... RETURNING). The UPDATE locks the status row,
   so concurrent votes on one subject are serialised and each sees the counts including every earlier vote;
   a retired or unknown subject returns no row, and then nothing below happens.
2. `inserted`: insert the classification, reading the gold flag and label from the row `counted` locked.
   A duplicate (same key, or the same volunteer and subject) violates a unique constraint, which aborts the
   whole statement, the vote count included.
3. `progress`: upsert the volunteer's progress (seen and gold counts, walk cursors) and return the count.

Column names are built from validated answers only, never from raw input; every value is a parameter. The
statement is prepared on the server (`hunt.core.db`), so a parameter whose type PostgreSQL cannot infer from
its place (a NULL time, an empty list) carries an explicit cast.
"""

from functools import cache

from hunt.classify.models import (
    ANSWERS,
    REDSHIFTS,
    Classification,
    SubjectStatus,
    VolunteerProgress,
)


def vote_increments(answer: str, redshift: str) -> str:
    """`SET` assignments that add one vote for `answer` (and its redshift) to a status row."""
    if answer not in ANSWERS or redshift not in ("", *REDSHIFTS):
        # Callers validate first; this guards the column names that go into the SQL text.
        raise ValueError(f"invalid vote {answer!r}/{redshift!r}")
    columns = ["classification_count", f"{answer}_count"] + (
        [f"cluster_{redshift}_count"] if redshift else []
    )
    return ", ".join(f"{column} = {column} + 1" for column in columns)


# What a counted vote returns, in this order, on either path.
COUNTED_COLUMNS = "id, priority, is_gold, gold_label, classification_count, " + ", ".join(
    f"{answer}_count" for answer in ANSWERS
)


@cache  # a handful of texts (answer x redshift), built from static metadata: once each per process
def classification_statement(*, answer: str, redshift: str) -> str:
    """The one statement that stores a classification.

    Its named parameters: workflow, version, epoch, subject, volunteer, answer, redshift, key, now, time_spent_ms,
    viewer_state (JSON text), user_agent, ip_hash, feedback_visible (the workflow shows feedback and this
    volunteer's draw does not hide it) and agreeing (the gold labels this answer agrees with).
    The result row is: classification id, status id, is_gold, gold_label, total, the answer counts, seen.
    """
    status = SubjectStatus._meta.db_table
    classification = Classification._meta.db_table
    progress = VolunteerProgress._meta.db_table
    counts = ", ".join(f"counted.{answer_name}_count" for answer_name in ANSWERS)
    sql = f"""
WITH counted AS (
    UPDATE {status} SET {vote_increments(answer, redshift)}
    WHERE workflow_id = %(workflow)s AND subject_id = %(subject)s AND retired_at IS NULL
    RETURNING {COUNTED_COLUMNS}
), inserted AS (
    INSERT INTO {classification} (
        workflow_id, workflow_version, subject_id, volunteer_id, answer, redshift, idempotency_key,
        was_gold, logged_in_at_classification, feedback_shown, time_spent_ms, viewer_state, user_agent,
        ip_hash, created_at)
    SELECT %(workflow)s, %(version)s, %(subject)s, %(volunteer)s, %(answer)s, %(redshift)s, %(key)s,
        is_gold, %(logged_in)s, is_gold AND gold_label <> '' AND %(feedback_visible)s, %(time_spent_ms)s::bigint,
        %(viewer_state)s::jsonb, %(user_agent)s, %(ip_hash)s, %(now)s
    FROM counted
    RETURNING id
), progress AS (
    INSERT INTO {progress} AS p (
        volunteer_id, workflow_id, seen_count, gold_seen, gold_correct, "cursor", gold_cursor, cursor_epoch)
    SELECT %(volunteer)s, %(workflow)s, 1,
        CASE WHEN is_gold THEN 1 ELSE 0 END,
        CASE WHEN is_gold AND gold_label = ANY(%(agreeing)s::text[]) THEN 1 ELSE 0 END,
        -- The walk moves past what was classified, so the next selection never rescans it.
        CASE WHEN is_gold THEN -1.0 ELSE GREATEST(-1.0, priority) END,
        CASE WHEN is_gold THEN GREATEST(-1.0, priority) ELSE -1.0 END,
        %(epoch)s
    FROM counted, inserted
    ON CONFLICT (volunteer_id, workflow_id) DO UPDATE SET
        seen_count = p.seen_count + 1,
        gold_seen = p.gold_seen + EXCLUDED.gold_seen,
        gold_correct = p.gold_correct + EXCLUDED.gold_correct,
        "cursor" = GREATEST(p."cursor", EXCLUDED."cursor"),
        gold_cursor = GREATEST(p.gold_cursor, EXCLUDED.gold_cursor)
    RETURNING seen_count
)
SELECT inserted.id, counted.id, counted.is_gold, counted.gold_label, counted.classification_count,
    {counts}, progress.seen_count
FROM counted, inserted, progress
"""
    return sql
