"""Measure the X-ray morphology of subjects in this process (or queue the background job)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hunt.core.jobs import JobUnavailable
from hunt.morphology.services import (
    MorphologyError,
    morphology_measure_subjects,
    morphology_run_start,
    subjects_to_measure,
)
from hunt.subjects.models import Subject


class Command(BaseCommand):
    help = (
        "Measure concentration, centroid shift and P3/P0 (ml.morphology) of every subject with an X-ray "
        "cutout not yet measured (--all: every one again; --subject: only these), or --queue the job."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--all", action="store_true", help="Measure again what is measured.")
        parser.add_argument("--subject", type=int, action="append", default=[], help="Subject id.")
        parser.add_argument(
            "--queue", action="store_true", help="Queue the background job instead."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["queue"]:
            if options["subject"]:
                raise CommandError("--queue measures every subject: drop --subject")
            try:
                run = morphology_run_start(user=None, only_missing=not options["all"])
            except MorphologyError as error:
                raise CommandError(error.message) from error
            except JobUnavailable as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"queued morphology run #{run.pk}")
            return
        if options["subject"]:
            ids = sorted(set(options["subject"]))
            missing = set(ids) - set(
                Subject.objects.filter(pk__in=ids).values_list("pk", flat=True)
            )
            if missing:
                raise CommandError(f"no subject with id {', '.join(map(str, sorted(missing)))}")
        else:
            ids = subjects_to_measure(only_missing=not options["all"])

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"{done}/{total} subjects measured")

        count = morphology_measure_subjects(ids, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"measured {count} subject(s)"))
