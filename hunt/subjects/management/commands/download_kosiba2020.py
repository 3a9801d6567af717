from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from hunt.subjects.download import ARCHIVE_URL, DownloadError, kosiba_download


class Command(BaseCommand):
    help = (
        "Opt-in: download the Kosiba et al. (2020) image set (Zenodo record 7236582, ~259 MB) and, with "
        "--ingest, load it as a subject set. Fails with a clear message when offline."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--destination", type=Path, default=Path(settings.VAR_DIR) / "kosiba2020"
        )
        parser.add_argument("--url", default=ARCHIVE_URL)
        parser.add_argument("--timeout", type=float, default=30.0)
        parser.add_argument(
            "--ingest", action="store_true", help="Ingest it as the set 'Kosiba 2020'."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bar = tqdm(
            unit="B", unit_scale=True, desc="Kosiba2020.zip", disable=options["verbosity"] < 1
        )

        def progress(done: int, total: int) -> None:
            bar.total = total or None
            bar.update(done - bar.n)

        try:
            folder = kosiba_download(
                destination=options["destination"],
                url=options["url"],
                timeout=options["timeout"],
                progress=progress,
            )
        except DownloadError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        self.stdout.write(self.style.SUCCESS(f"Kosiba+2020 image set unpacked in {folder}"))
        if options["ingest"]:
            call_command("ingest", "kosiba", str(folder), "--set", "Kosiba 2020")
