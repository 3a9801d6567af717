import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hunt.catalogues.services import CatalogueLoadError, catalogue_load
from ml.catalogues import PRESETS


class Command(BaseCommand):
    help = (
        "Load a reference cluster catalogue (FITS, VOTable, CSV or ECSV) through a column preset and "
        "cross-match every subject against it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--preset", required=True, choices=sorted(PRESETS))
        parser.add_argument("--name", help="Catalogue name (default: the preset's title).")
        parser.add_argument("--catalogue-version", dest="catalogue_version", default="1")
        parser.add_argument(
            "--mapping",
            help='custom preset: JSON {"source_id": "COL", "ra": "COL", "dec": "COL", "redshift": "COL", '
            '"cluster_class": "COL"}',
        )
        parser.add_argument(
            "--radius", type=float, help="Sky-match radius in arcsec (default: the preset's)."
        )
        parser.add_argument(
            "--sample-only", action="store_true", help="Keep only the preset's published sample."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            mapping = json.loads(options["mapping"]) if options["mapping"] else None
        except json.JSONDecodeError as exc:
            raise CommandError(f"--mapping is not valid JSON: {exc}") from exc
        try:
            catalogue = catalogue_load(
                path=options["file"],
                preset=options["preset"],
                name=options["name"],
                version=options["catalogue_version"],
                mapping=mapping,
                radius_arcsec=options["radius"],
                sample_only=options["sample_only"],
            )
        except CatalogueLoadError as exc:
            raise CommandError(f"nothing was loaded: {exc}") from exc
        matched = catalogue.matches.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {catalogue} ({catalogue.row_count} rows); {matched} subject(s) matched within "
                f"{catalogue.match_radius_arcsec:g} arcsec."
            )
        )
