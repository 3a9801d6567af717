"""manage.py ingest LAYOUT SOURCE ...: load subjects with a progress bar; all or nothing."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from hunt.subjects.ingestion import ingest_run
from hunt.subjects.models import SubjectSet
from hunt.subjects.services import IngestError

LAYOUTS = {
    "candidates": SubjectSet.Kind.CANDIDATE_FITS,
    "simulated": SubjectSet.Kind.SIMULATED,
    "field": SubjectSet.Kind.XMM_FIELD,
    "kosiba": SubjectSet.Kind.KOSIBA_PNG,
}


class Command(BaseCommand):
    help = (
        "Ingest subjects. Layouts: 'candidates' / 'simulated' (a folder of per-candidate FITS files, "
        "optionally candidates.ecsv and expert_labels.csv), 'field' (a wide-field FITS image with WCS "
        "plus --sources), 'kosiba' (the Kosiba+2020 PNG set). Re-running adds nothing twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("layout", choices=sorted(LAYOUTS))
        parser.add_argument(
            "source",
            type=Path,
            help="Folder (candidates, simulated, kosiba) or FITS image (field).",
        )
        parser.add_argument(
            "--set", dest="set_name", required=True, help="Subject set name (created if new)."
        )
        parser.add_argument(
            "--labels",
            type=Path,
            help="Expert-label CSV (candidate_id,label,...); candidate_id may be the id or the file's stem.",
        )
        parser.add_argument(
            "--evaluation-only",
            action="store_true",
            help="The labels only test the model: never gold, never retire a subject, never train.",
        )
        parser.add_argument(
            "--gold-share",
            type=float,
            default=0.0,
            help="Make this share of the labelled candidates gold (feedback, retirement, training).",
        )
        parser.add_argument(
            "--sources", type=Path, help="field: source list (ra_deg/dec_deg or x_pix/y_pix)."
        )
        parser.add_argument(
            "--obs-id", help="field: keep only this observation's rows of the source list."
        )
        parser.add_argument("--exposure-map", type=Path, help="field: exposure map of the image.")
        parser.add_argument("--size", type=int, default=128, help="field: cutout size in pixels.")
        parser.add_argument("--citation", default="", help="field: credit shown with the subjects.")
        parser.add_argument(
            "--truth-source",
            default="XCS",
            help="field: who labelled the source list (stored with each label; default XCS).",
        )
        parser.add_argument(
            "--workers", type=int, help="Rendering processes (default: one per core)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind = LAYOUTS[options["layout"]]
        plan_options: dict[str, Any] = {
            "set_name": options["set_name"],
            "evaluation_only": options["evaluation_only"],
            "gold_share": options["gold_share"],
        }
        if kind == SubjectSet.Kind.XMM_FIELD:
            if options["sources"] is None:
                raise CommandError("the 'field' layout needs --sources SOURCE_LIST")
            plan_options.update(
                sources=str(options["sources"]),
                obs_id=options["obs_id"],
                exposure_map=str(options["exposure_map"]) if options["exposure_map"] else None,
                size=options["size"],
                citation=options["citation"],
                truth_source=options["truth_source"],
            )
        elif options["labels"] is not None:
            plan_options["labels"] = str(options["labels"])

        bar = tqdm(
            total=0,
            unit="subject",
            desc=f"ingest {options['source'].name}",
            disable=options["verbosity"] < 1,
        )

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            job = ingest_run(
                kind=kind,
                source=options["source"],
                options=plan_options,
                workers=options["workers"],
                progress=progress,
            )
        except IngestError as exc:
            raise CommandError(f"ingestion failed, nothing was added: {exc}") from exc
        finally:
            bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"{job.created} new subject(s) in '{job.subject_set}', {job.skipped} already there (job #{job.pk})."
            )
        )
