"""manage.py export: the same exports as the Export page and the API, written to a file or stdout.

manage.py export classifications --layout panoptes -o classifications.csv
manage.py export classifications --since-id 120000 -o new.csv      # incremental
manage.py export subjects --format fits --retired-only -o subjects.fits
manage.py export snapshot --snapshot 3 --format parquet -o snapshot-3.parquet --manifest manifest.json
"""

import json
import shutil
import sys
import tempfile
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hunt.exports.filters import ExportError
from hunt.exports.models import ExportJob
from hunt.exports.selectors import snapshot_get
from hunt.exports.services import export_csv_chunks, export_spec, export_write
from hunt.exports.snapshots import snapshot_manifest


class Command(BaseCommand):
    help = "Export classifications, the per-subject table or a label snapshot (no daily cap)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("kind", choices=ExportJob.Kind.values)
        parser.add_argument(
            "-o", "--output", default="-", help="File to write; '-' is stdout (CSV)."
        )
        parser.add_argument(
            "--format", dest="file_format", default="csv", choices=ExportJob.Format.values
        )
        parser.add_argument("--layout", default="", choices=["", *ExportJob.Layout.values])
        parser.add_argument("--snapshot", type=int, help="Label snapshot id (kind snapshot).")
        parser.add_argument("--manifest", help="Snapshot: also write its manifest (JSON) here.")
        parser.add_argument("--workflow", default="")
        parser.add_argument("--subject-set", default="")
        parser.add_argument("--created-after", default="")
        parser.add_argument("--created-before", default="")
        parser.add_argument("--since-id", default="")
        parser.add_argument("--since", default="")
        parser.add_argument("--catalogue", default="")
        parser.add_argument("--gold-only", action="store_true")
        parser.add_argument("--expert-only", action="store_true")
        parser.add_argument("--retired-only", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        filters = {
            name: options[name]
            for name in (
                "workflow",
                "subject_set",
                "created_after",
                "created_before",
                "since_id",
                "since",
                "catalogue",
                "gold_only",
                "expert_only",
                "retired_only",
            )
            if options[name]
        }
        try:
            spec = export_spec(
                kind=options["kind"], file_format=options["file_format"], layout=options["layout"],
                filters=filters if options["kind"] != "snapshot" else {},
                snapshot_id=options["snapshot"],
            )  # fmt: skip
            if options["manifest"]:
                assert spec.snapshot_id is not None, "--manifest is for snapshots"
                manifest = snapshot_manifest(snapshot_get(spec.snapshot_id))
                Path(options["manifest"]).write_text(json.dumps(manifest, indent=2) + "\n")
            self._write(spec, options["output"])
        except (ExportError, AssertionError) as error:
            raise CommandError(str(error)) from error

    def _write(self, spec: Any, output: str) -> None:
        if output == "-":
            if spec.file_format != "csv":
                raise CommandError(
                    f"{spec.file_format} is binary or typed: write it to a file with -o"
                )
            for chunk in export_csv_chunks(spec):
                sys.stdout.buffer.write(chunk)
            sys.stdout.flush()
            return
        target = Path(output)
        # Written beside the target first, so an interrupted export never leaves a half file under its name.
        with tempfile.TemporaryDirectory(dir=target.parent.resolve()) as folder:
            partial = Path(folder) / target.name
            rows = export_write(spec, partial)
            shutil.move(partial, target)
        self.stderr.write(f"{rows} rows written to {target}")
