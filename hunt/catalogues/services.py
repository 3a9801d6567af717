"""Loading reference catalogues and cross-matching subjects against them (all or nothing)."""

import math
from pathlib import Path

import numpy as np
from django.db import transaction

from hunt.catalogues.models import CatalogueEntry, CatalogueMatch, ReferenceCatalogue
from hunt.subjects.models import ExpertLabel, Subject
from ml.catalogues import PRESETS, CatalogueError, crossmatch_arrays, read_catalogue


class CatalogueLoadError(Exception):
    """A catalogue that could not be loaded; the message names the file (and row) and the problem."""


@transaction.atomic
def catalogue_load(
    *,
    path: Path,
    preset: str,
    name: str | None = None,
    version: str = "1",
    mapping: dict[str, str] | None = None,
    radius_arcsec: float | None = None,
    sample_only: bool = False,
) -> ReferenceCatalogue:
    """Read a catalogue file through a preset, store its rows and cross-match every subject against it."""
    if preset not in PRESETS:
        raise CatalogueLoadError(
            f"unknown preset {preset!r} (expected one of {', '.join(PRESETS)})"
        )
    try:
        catalogue = read_catalogue(
            path, preset=preset, mapping=mapping, apply_sample_filter=sample_only
        )
    except CatalogueError as exc:
        raise CatalogueLoadError(str(exc)) from exc
    spec = PRESETS[preset]
    name = name or spec.title
    if ReferenceCatalogue.objects.filter(name=name, version=version).exists():
        raise CatalogueLoadError(
            f"catalogue {name!r} version {version!r} is already loaded; pass a new --version"
        )
    radius = spec.suggested_radius_arcsec if radius_arcsec is None else radius_arcsec
    if not (radius > 0 and math.isfinite(radius)):
        raise CatalogueLoadError(
            f"match radius must be a positive number of arcseconds, got {radius}"
        )
    reference = ReferenceCatalogue.objects.create(
        name=name,
        version=version,
        preset=preset,
        citation=spec.citation,
        file_name=catalogue.file_name,
        file_sha256=catalogue.sha256,
        column_mapping=dict(catalogue.mapping),
        match_radius_arcsec=radius,
        row_count=catalogue.row_count,
    )
    rows = catalogue.rows
    CatalogueEntry.objects.bulk_create(
        [
            CatalogueEntry(
                catalogue=reference,
                source_id=entry.source_id,
                name=entry.name or "",
                ra=entry.ra,
                dec=entry.dec,
                redshift=entry.redshift,
                cluster_class=entry.cluster_class,
                extras=entry.extras,
                row_number=entry.row_number,
            )
            for entry in rows.entries()
        ],
        batch_size=2000,
    )
    catalogue_crossmatch(catalogue=reference)
    return reference


@transaction.atomic
def catalogue_crossmatch(*, catalogue: ReferenceCatalogue) -> int:
    """(Re)compute the stored matches of every positioned subject; returns the number matched.

    Identifier join first (a subject's expert label may carry the catalogue id), then nearest neighbour on
    the sky within the catalogue's stored radius.
    """
    CatalogueMatch.objects.filter(catalogue=catalogue).delete()
    entries = list(
        catalogue.entries.order_by("row_number").values_list("id", "source_id", "ra", "dec")
    )
    subjects = list(
        Subject.objects.filter(ra__isnull=False, dec__isnull=False).values_list("id", "ra", "dec")
    )
    if not entries or not subjects:
        return 0
    ids_by_subject = dict(
        ExpertLabel.objects.exclude(catalogue_id="").values_list("subject_id", "catalogue_id")
    )
    entry_pk, entry_source, entry_ra, entry_dec = zip(*entries, strict=True)
    subject_pk, subject_ra, subject_dec = zip(*subjects, strict=True)
    result = crossmatch_arrays(
        np.asarray(subject_ra),
        np.asarray(subject_dec),
        np.asarray(entry_ra),
        np.asarray(entry_dec),
        radius_arcsec=catalogue.match_radius_arcsec,
        candidate_catalogue_ids=[ids_by_subject.get(pk) for pk in subject_pk],
        catalogue_ids=list(entry_source),
    )
    matches = [
        CatalogueMatch(
            catalogue=catalogue,
            subject_id=subject_pk[i],
            entry_id=entry_pk[int(result.index[i])],
            method=str(result.method[i]),
            separation_arcsec=None
            if math.isnan(result.separation_arcsec[i])
            else float(result.separation_arcsec[i]),
            radius_arcsec=catalogue.match_radius_arcsec,
        )
        for i in np.flatnonzero(result.matched)
    ]
    CatalogueMatch.objects.bulk_create(matches, batch_size=2000)
    return len(matches)
