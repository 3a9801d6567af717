"""Issue 18, the demo: the URL is printed once the site answers, the terminal is not flooded, and restarting
adds no empty ingestion jobs."""

import socket
from pathlib import Path
from typing import Any

import pytest

from hunt.core.demo import demo_ingest
from hunt.core.management.commands.serve_demo import demo_commands, site_wait
from hunt.subjects.models import IngestJob, SubjectSet
from tests.builders import build_candidate_folder


def test_the_site_counts_as_up_once_it_answers(live_server: Any) -> None:
    assert site_wait(f"{live_server.url}/", timeout_s=10)


def test_a_site_that_never_answers_is_reported() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert not site_wait(f"http://127.0.0.1:{port}/", timeout_s=1)
    assert not site_wait(f"http://127.0.0.1:{port}/", timeout_s=30, alive=lambda: False)


def test_the_processes_keep_boot_lines_and_access_logs_off_the_terminal() -> None:
    commands = demo_commands("127.0.0.1", 8000)
    web = commands["web"]
    assert web[web.index("--access-logfile") + 1].endswith("demo-access.log")
    assert web[web.index("--log-level") + 1] == "warning"
    for name in ("worker", "training"):
        assert "--quiet" in commands[name]
        assert commands[name][commands[name].index("--loglevel") + 1] == "WARNING"


@pytest.mark.django_db
def test_a_restart_makes_no_empty_ingestion_job(tmp_path: Path) -> None:
    folder = build_candidate_folder(tmp_path, 2)
    said: list[str] = []
    for _ in range(2):
        demo_ingest(SubjectSet.Kind.CANDIDATE_FITS, folder, say=said.append, set_name="Demo set")
    assert IngestJob.objects.count() == 1
    assert said[-1] == "  Demo set: survey already ingested"
    demo_ingest(
        SubjectSet.Kind.CANDIDATE_FITS, folder, say=said.append, set_name="Demo set", again=True
    )
    assert IngestJob.objects.count() == 2  # asked to (a re-simulated survey)
