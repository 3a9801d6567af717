"""A small simulated survey with clusters, ingested, and its X-CLASS-format catalogue loaded (redshifts)."""

from collections.abc import Callable
from pathlib import Path

import pytest

from hunt.catalogues.models import ReferenceCatalogue
from hunt.catalogues.services import catalogue_load
from hunt.classify.models import Workflow
from hunt.subjects.ingestion import ingest_run
from hunt.subjects.models import SubjectSet
from ml.simulate.survey import simulate_survey

Survey = Callable[[], ReferenceCatalogue]


@pytest.fixture(scope="session")
def morphology_survey_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("morphology-survey")
    simulate_survey(folder, size=40, seed=19, n_fields=1)
    return folder


@pytest.fixture
def ingested_survey(morphology_survey_folder: Path) -> Survey:
    def make() -> ReferenceCatalogue:
        # The ingested subjects join the active workflow (Talk and exports read it).
        workflow, _ = Workflow.objects.update_or_create(
            slug="hunt", defaults={"name": "The Hunt", "retirement_rules": [], "active": True}
        )
        Workflow.objects.exclude(pk=workflow.pk).update(active=False)
        ingest_run(
            kind=SubjectSet.Kind.SIMULATED, source=morphology_survey_folder,
            options={"set_name": "Morphology survey"}, workers=1,
        )  # fmt: skip
        return catalogue_load(
            path=morphology_survey_folder / "xclass_catalogue.fits",
            preset="xclass",
            name="X-CLASS (simulated)",
        )

    return make
