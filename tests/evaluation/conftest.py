"""A small simulated survey, ingested, with its X-CLASS-format catalogue loaded and a simulated crowd."""

from collections.abc import Callable
from pathlib import Path

import pytest

from hunt.catalogues.models import ReferenceCatalogue
from hunt.catalogues.services import catalogue_load
from hunt.classify.crowd_simulation import crowd_simulate
from hunt.classify.models import Workflow
from hunt.subjects.ingestion import ingest_run
from hunt.subjects.models import SubjectSet
from ml.simulate.survey import simulate_survey

SURVEY_SIZE = 240


def hunt_workflow() -> Workflow:
    # update_or_create: transactional tests flush the data migration's row.
    workflow, _ = Workflow.objects.update_or_create(
        slug="hunt",
        defaults={
            "name": "The Hunt",
            "retirement_rules": [],
            "active": True,
        },
    )
    Workflow.objects.exclude(pk=workflow.pk).update(active=False)
    return workflow


@pytest.fixture(scope="session")
def survey_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Simulated once per session (about a second); every test ingests it into its own database state."""
    folder = tmp_path_factory.mktemp("survey")
    simulate_survey(folder, size=SURVEY_SIZE, seed=7, n_fields=2)
    return folder


@pytest.fixture
def simulated_survey(
    survey_folder: Path,
) -> Callable[..., tuple[Workflow, ReferenceCatalogue]]:
    def make(*, votes: int = 5, accuracy: float = 0.75) -> tuple[Workflow, ReferenceCatalogue]:
        workflow = hunt_workflow()
        ingest_run(
            kind=SubjectSet.Kind.SIMULATED, source=survey_folder,
            options={"set_name": "Simulated survey"}, workers=1,
        )  # fmt: skip
        catalogue = catalogue_load(
            path=survey_folder / "xclass_catalogue.fits",
            preset="xclass",
            name="X-CLASS (simulated)",
        )
        if votes:
            crowd_simulate(
                workflow=workflow, votes_per_subject=votes, accuracy=accuracy, volunteers=12
            )
        return workflow, catalogue

    return make
