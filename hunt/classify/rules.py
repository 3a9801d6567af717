"""Retirement rules and the gold-standard schedule: small pure functions over plain numbers.

Rules are JSON that admins edit in the Django admin; they travel with the workflow, which each web process
caches for at most WORKFLOW_CACHE_SECONDS (a save drops the cache), so an edit takes effect within seconds,
without a restart or deploy.
"""

import hashlib
import random
from collections.abc import Mapping, Sequence
from typing import Any

CONDITIONS = (
    "classifications_at_least",
    "agreement_at_least",
    "expert_label_in",
    "answer_share_at_least",
)


class RuleError(ValueError):
    pass


def rules_validate(rules: Any) -> None:
    """Raise RuleError with a readable message when the JSON is not a list of valid rules."""
    if not isinstance(rules, list):
        raise RuleError("retirement rules must be a list")
    for index, rule in enumerate(rules, start=1):
        if (
            not isinstance(rule, dict)
            or not isinstance(rule.get("if"), dict)
            or not rule.get("reason")
        ):
            raise RuleError(f'rule {index}: expected {{"if": {{...}}, "reason": "..."}}')
        unknown = set(rule["if"]) - set(CONDITIONS)
        if unknown:
            raise RuleError(f"rule {index}: unknown condition(s) {', '.join(sorted(unknown))}")
        if not rule["if"]:
            raise RuleError(f"rule {index}: has no condition")


def retirement_reason(
    *,
    counts: Mapping[str, int],
    total: int,
    expert_labels: Sequence[str],
    rules: Sequence[Mapping[str, Any]],
    limit: int,
) -> str:
    """The reason to retire a subject now, or "" to keep it. Rules first (in order), then the count limit."""
    top = max(counts.values(), default=0)
    agreement = top / total if total else 0.0
    for rule in rules:
        condition = rule["if"]
        checks = []
        if "classifications_at_least" in condition:
            checks.append(total >= int(condition["classifications_at_least"]))
        if "agreement_at_least" in condition:
            checks.append(total > 0 and agreement >= float(condition["agreement_at_least"]))
        if "expert_label_in" in condition:
            checks.append(any(label in condition["expert_label_in"] for label in expert_labels))
        if "answer_share_at_least" in condition:
            shares = condition["answer_share_at_least"]
            checks.append(
                total > 0
                and all(
                    counts.get(answer, 0) / total >= float(share)
                    for answer, share in shares.items()
                )
            )
        if checks and all(checks):
            return str(rule["reason"])
    if limit and total >= limit:
        return "classification_count"
    return ""


def gold_share(schedule: Sequence[Sequence[Any]], seen: int) -> float:
    """Share of gold subjects for a volunteer who has seen `seen` subjects (Panoptes' stepped schedule)."""
    for below, share in schedule:
        if below is None or seen < int(below):
            return float(share)
    return 0.0


def seeded_random(*parts: object) -> float:
    """A reproducible uniform draw in [0, 1) from any parts (workflow seed, volunteer, count...)."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big")).random()
