"""What to export: the filters every export accepts, parsed once for the API, the page, jobs and the CLI."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from rest_framework import serializers

from hunt.catalogues.models import ReferenceCatalogue
from hunt.core.params import MAX_ID


class ExportError(Exception):
    """An export that cannot be made as asked; the message says which option is wrong and why."""


@dataclass(frozen=True)
class ExportFilters:
    workflow: str = ""
    subject_set: str = ""
    created_after: datetime | None = None
    created_before: datetime | None = None
    since_id: int | None = None
    since: datetime | None = None
    gold_only: bool = False
    expert_only: bool = False
    retired_only: bool = False
    catalogue: int | None = None
    # Set by the server, never by the request: a volunteer's own export.
    volunteer_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The filters as JSON-safe values, dropping the defaults (stored on jobs, written into file headers)."""
        values: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if value in (None, "", False):
                continue
            values[key] = value.isoformat() if isinstance(value, datetime) else value
        return values


class ExportFiltersInput(serializers.Serializer):
    """Query parameters (GET) or body fields (POST) shared by every export."""

    workflow = serializers.SlugField(
        required=False,
        help_text="Workflow slug. Classifications: every workflow when left out; subject table: the "
        "active workflow.",
    )
    subject_set = serializers.SlugField(required=False, help_text="Only this subject set (slug).")
    created_after = serializers.DateTimeField(
        required=False,
        help_text="Classified at or after this time, ISO 8601 (subject table: retired at or after it).",
    )
    created_before = serializers.DateTimeField(
        required=False,
        help_text="Classified before this time, ISO 8601 (subject table: retired before it).",
    )
    since_id = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_ID,
        help_text="Incremental: only rows whose id is greater (classification id; subject id for the "
        "subject table).",
    )
    since = serializers.DateTimeField(
        required=False,
        help_text="Incremental: only classifications made after this time (subject table: subjects "
        "retired after it).",
    )
    gold_only = serializers.BooleanField(
        required=False, default=False, help_text="Only gold-standard subjects."
    )
    expert_only = serializers.BooleanField(
        required=False, default=False, help_text="Only subjects with an expert label."
    )
    retired_only = serializers.BooleanField(
        required=False, default=False, help_text="Only retired subjects."
    )
    catalogue = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Subject table: the reference catalogue (id) for the match columns; the closest "
        "match in any catalogue when left out.",
    )

    def validate_catalogue(self, value: int) -> int:
        if not ReferenceCatalogue.objects.filter(pk=value).exists():
            raise serializers.ValidationError(f"no reference catalogue has id {value}")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        after, before = attrs.get("created_after"), attrs.get("created_before")
        if after and before and after >= before:
            raise serializers.ValidationError(
                {"created_before": "must be later than created_after"}
            )
        return attrs


def export_filters_parse(data: Mapping[str, Any]) -> ExportFilters:
    """Validate filters from a query string, a job's stored JSON or the command line."""
    # A QueryDict gives the last value of each key; absent and empty values both mean "no filter".
    plain = {key: data.get(key) for key in data if data.get(key) not in (None, "")}
    parsed = ExportFiltersInput(data=plain)
    if not parsed.is_valid():
        problems = "; ".join(
            f"{field}: {' '.join(str(message) for message in messages)}"
            for field, messages in parsed.errors.items()
        )
        raise ExportError(problems)
    return ExportFilters(**parsed.validated_data)
