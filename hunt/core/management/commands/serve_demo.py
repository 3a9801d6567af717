"""Run the web server and the background workers together; Ctrl-C stops them all."""

import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from hunt.core.demo import demo_users_ensure


class Command(BaseCommand):
    help = "Serve the site (gunicorn) with a default-queue worker and a training-queue worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        url = f"http://{options['host']}:{options['port']}/"
        access_log().parent.mkdir(parents=True, exist_ok=True)
        processes = {
            name: subprocess.Popen(cmd)
            for name, cmd in demo_commands(options["host"], options["port"]).items()
        }
        self.stdout.write(
            f"Starting the web server and the workers (access log: {access_log()}) ..."
        )
        if not site_wait(url, alive=lambda: all(p.poll() is None for p in processes.values())):
            self.stderr.write(f"The site did not answer at {url}; stopping.")
            _stop(processes)
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS(f"\nCluster Hunt is running at {url}"))
        self.stdout.write(
            f"Broker: {settings.CELERY_BROKER_URL}   Database: "
            f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"
        )
        self.stdout.write("Demo logins:")
        for login in demo_users_ensure():
            self.stdout.write(f"  {login.role:<10} {login.username:<16} password: {login.password}")
        self.stdout.write(f"Worker check: log in as demo-admin and open {url}operations/")
        self.stdout.write("Press Ctrl-C to stop the web server and the workers.\n")

        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(
                            f"{name} exited with status {process.returncode}; stopping."
                        )
                        stopping = True
                time.sleep(0.5)
        finally:
            _stop(processes)
            self.stdout.write("Stopped web server and workers.")


def access_log() -> Path:
    return Path(settings.VAR_DIR) / "demo-access.log"


def demo_commands(host: str, port: int) -> dict[str, list[str]]:
    """The demo's processes, quiet: warnings only on the terminal (no boot lines, no banner), so the URL
    and the logins stay readable; the web's access log (a line per static file) goes to var/."""
    python = sys.executable
    return {
        "web": [
            python, "-m", "gunicorn", "hunt.wsgi", "--bind", f"{host}:{port}",
            "--workers", "2", "--threads", "4", "--log-level", "warning",
            "--access-logfile", str(access_log()),
        ],
        # Short jobs (ingestion, exports, evaluation, pings), with the beat scheduler embedded (one
        # process is enough for a demo; production runs `celery beat` on its own, see README).
        "worker": [
            python, "-m", "celery", "-A", "hunt", "--quiet", "worker", "-Q", "default", "-n", "default@%h",
            "--concurrency", "2", "--loglevel", "WARNING", "--beat",
        ],
        # Retraining: one job at a time, in its own process so it never blocks the short jobs.
        "training": [
            python, "-m", "celery", "-A", "hunt", "--quiet", "worker", "-Q", "training", "-n", "training@%h",
            "--pool", "solo", "--prefetch-multiplier", "1", "--loglevel", "WARNING",
        ],
    }  # fmt: skip


def site_wait(
    url: str, *, timeout_s: float = 90.0, alive: Callable[[], bool] = lambda: True
) -> bool:
    """Wait until `url` answers (any HTTP status: the server is up), while `alive()`; False if it never does.

    The first answer used to come ~11 s after the URL was printed, while the workers started."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and alive():
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.25)
    return False


def _stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
