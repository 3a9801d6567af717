"""A collection as CSV: one flat row per subject (no nested JSON in a cell), coordinates in degrees."""

import csv
import io

from django.utils.text import slugify

from hunt.collect.models import Collection, CollectionItem
from hunt.core.spreadsheet import spreadsheet_safe

COLUMNS = ("subject_id", "external_id", "subject_set", "ra_deg", "dec_deg", "added_at")


def _coordinate(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}"


def collection_csv(collection: Collection) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    items = (
        CollectionItem.objects.filter(collection=collection)
        .select_related("subject__subject_set")
        .order_by("added_at", "id")
    )
    for item in items.iterator(chunk_size=2000):
        subject = item.subject
        writer.writerow(
            (
                subject.pk,
                spreadsheet_safe(subject.external_id),
                spreadsheet_safe(subject.subject_set.name),
                _coordinate(subject.ra),
                _coordinate(subject.dec),
                item.added_at.isoformat(),
            )
        )
    return buffer.getvalue()


def collection_csv_filename(collection: Collection) -> str:
    return f"collection-{slugify(collection.title) or 'subjects'}-{str(collection.key)[:8]}.csv"
