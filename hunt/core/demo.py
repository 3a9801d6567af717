"""The demo: one account per role and a survey to classify, all idempotent so `make demo` can rerun.

Nothing secret is committed: each checkout makes its own passwords (kept in `var/`), and `make demo` prints them.
"""

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from hunt.accounts.services import user_role_set

DEMO_ROLES = ("admin", "scientist", "volunteer")


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str


def _logins_file() -> Path:
    return Path(settings.VAR_DIR) / "demo_logins.json"


@transaction.atomic
def demo_users_ensure() -> list[DemoLogin]:
    """Create (or reset to the stored passwords) one demo account per role."""
    path = _logins_file()
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    logins = []
    user_model = get_user_model()
    for role in DEMO_ROLES:
        username = f"demo-{role}"
        password = stored.get(username) or secrets.token_urlsafe(12)
        user, _ = user_model.objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = user.is_superuser = role == "admin"
        user.save()
        user_role_set(user=user, scientist=role == "scientist")
        stored[username] = password
        logins.append(DemoLogin(role=role, username=username, password=password))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stored, indent=2))
    path.chmod(0o600)
    return logins


# --- Demo survey: simulated candidates, the real XMM fields and their catalogues ------------------------

DEMO_SURVEY_SIZE = 5000
DEMO_SURVEY_SEED = 42
# Share of the simulated survey made gold (feedback, field guide, retirement of artefacts, training).
DEMO_GOLD_SHARE = 0.05
DEMO_VOLUNTEERS = 200
DATA_DIR = Path(settings.BASE_DIR) / "data"
XMM_CITATION = (
    "XMM-Newton EPIC images. Based on observations obtained with XMM-Newton, an ESA science mission with "
    "instruments and contributions directly funded by ESA Member States and NASA. {credit}"
)
A907_OBSERVATIONS = ("0201901401", "0201903501", "0404910601")
PPS_OBSERVATIONS = ("P0046340101", "P0006220201", "P0008820101", "P0018140301", "P0004210201")


def demo_ingest(
    kind: str,
    source: Path,
    *,
    say: Callable[[str], None] = print,
    again: bool = False,
    **options: object,
) -> None:
    """Ingest `source` into the demo, unless an earlier run already did (then no job is made: every restart
    of `make demo` used to add empty "0 new" ingestion jobs to the Operations page). `again` ingests anyway
    (a re-simulated survey)."""
    from hunt.subjects.ingestion import ingest_run
    from hunt.subjects.models import IngestJob

    done = IngestJob.objects.filter(
        kind=kind, source=str(source), status=IngestJob.Status.SUCCEEDED,
        subject_set__name=options.get("set_name"),
    )  # fmt: skip
    if not again and done.exists():
        say(f"  {options.get('set_name')}: {source.name} already ingested")
        return
    job = ingest_run(kind=kind, source=source, options=dict(options))
    say(f"  {job.subject_set}: {job.created} new, {job.skipped} already there")


def demo_survey_folder() -> Path:
    return Path(settings.VAR_DIR) / "demo-survey"


def demo_survey_ensure(
    *,
    size: int = DEMO_SURVEY_SIZE,
    seed: int = DEMO_SURVEY_SEED,
    say: Callable[[str], None] = print,
) -> None:
    """Generate (once, cached in var/) and ingest the demo data; every step is idempotent."""
    from hunt.catalogues.models import ReferenceCatalogue
    from hunt.catalogues.services import catalogue_load
    from hunt.subjects.models import SubjectSet
    from ml.simulate import SIMULATOR_VERSION
    from ml.simulate.domain import randomised_params
    from ml.simulate.survey import simulate_survey

    folder = demo_survey_folder()
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    # Domain-randomised (PSF families, pixel scales, backgrounds, exposures, optical depth): a model
    # retrained on the demo must hold on real fields, not only on one simulated instrument.
    params = randomised_params()
    # The simulator's version too: a change to how candidates are drawn or rendered changes no
    # parameter, and a stale cache would train the demo on the old physics.
    wanted = (SIMULATOR_VERSION, size, seed, json.loads(json.dumps(params.summary())))
    simulated = (
        manifest.get("version"),
        manifest.get("size"),
        manifest.get("seed"),
        manifest.get("parameters"),
    ) != wanted
    if simulated:
        say(f"Simulating a survey of {size} candidates (seed {seed}) in {folder} ...")
        simulate_survey(folder, size=size, seed=seed, workers=2, params=params)

    def ingest(kind: str, source: Path, **options: object) -> None:
        demo_ingest(kind, source, say=say, again=simulated and source == folder, **options)

    say("Ingesting the demo subjects ...")
    # The simulator's truth is evaluation-only; a small share of it, chosen explicitly, is gold so that
    # volunteers get feedback and the field guide has examples of every class. The real XMM fields are the
    # standing real-data benchmark: their XCS labels are evaluation-only, never trained on.
    ingest(
        SubjectSet.Kind.SIMULATED,
        folder,
        set_name="Simulated XMM survey",
        gold_share=DEMO_GOLD_SHARE,
    )
    a907 = DATA_DIR / "xmm" / "a907"
    for obs_id in A907_OBSERVATIONS:
        ingest(
            SubjectSet.Kind.XMM_FIELD,
            a907 / f"{obs_id}-0.50-2.00keVmerged_img.fits",
            set_name="XMM-Newton: Abell 907",
            sources=str(a907 / "sources.csv"),
            obs_id=obs_id,
            exposure_map=str(a907 / f"{obs_id}-0.50-2.00keVmerged_expmap.fits"),
            evaluation_only=True,
            citation=XMM_CITATION.format(
                credit="XGA test data (Turner et al. 2022), BSD-3-Clause."
            ),
        )
    a1835 = DATA_DIR / "xmm" / "a1835"
    ingest(
        SubjectSet.Kind.XMM_FIELD,
        a1835 / "P0098010101M2U009IMAGE_3000.FTZ",
        set_name="XMM-Newton: Abell 1835",
        sources=str(a1835 / "sources.csv"),
        exposure_map=str(a1835 / "P0098010101M2U009EXPMAP3000.FTZ"),
        evaluation_only=True,
        truth_source="KIPAC point sources + MCXC",
        citation=XMM_CITATION.format(credit="KIPAC StatisticalMethods course data, BSD-3-Clause."),
    )
    # The rest of the real-data benchmark: a cluster (Centaurus), an AGN, a star field and two supernova
    # remnants (real extended emission that is not a cluster), and a nearby galaxy seen by Chandra.
    pps = DATA_DIR / "xmm" / "pps"
    for obs_id in PPS_OBSERVATIONS:
        ingest(
            SubjectSet.Kind.XMM_FIELD,
            pps / f"{obs_id}EPX000OIMAGE8000.fits.gz",
            set_name="XMM-Newton: pipeline fields",
            sources=str(pps / "sources.csv"),
            obs_id=obs_id,
            evaluation_only=True,
            truth_source="4XMM detections + targets",
            citation=XMM_CITATION.format(credit="4XMM pipeline images via aceronf/xmm_yolo, MIT."),
        )
    chandra = DATA_DIR / "chandra" / "ngc4649"
    ingest(
        SubjectSet.Kind.XMM_FIELD,
        chandra / "NGC4649.fits.gz",
        set_name="Chandra: NGC 4649",
        sources=str(chandra / "sources.csv"),
        obs_id="NGC4649",
        # 0.49"/px: 512 px cover 250", most of the CNN's 410" field (the image is 529 px wide).
        size=512,
        evaluation_only=True,
        truth_source="target (NGC 4649)",
        citation="Chandra ACIS image via tomasplsek/CADET, MIT. This research has made use of data "
        "obtained from the Chandra Data Archive.",
    )

    catalogues = (
        ("X-CLASS (simulated demo survey)", folder / "xclass_catalogue.fits", "xclass"),
        ("MCXC", DATA_DIR / "catalogues" / "mcxc.fits", "mcxc"),
    )
    for name, path, preset in catalogues:
        if not ReferenceCatalogue.objects.filter(name=name).exists():
            catalogue = catalogue_load(path=path, preset=preset, name=name)
            say(f"  catalogue {catalogue}: {catalogue.matches.count()} subjects matched")

    # Simulated volunteers (issue 7): the learning loop and the evaluation need a crowd to compare with.
    from hunt.classify.crowd_simulation import crowd_simulate
    from hunt.classify.models import Classification
    from hunt.classify.selectors import workflow_default

    workflow = workflow_default()
    if (
        workflow is not None
        and not Classification.objects.filter(user_agent="crowd simulation").exists()
    ):
        say("Simulated volunteers classify the simulated survey (up to 5 votes each) ...")
        # A realistic crowd (docs/crowd.md): 200 volunteers of mixed skill, a few spammers and constant
        # answerers, harder distant clusters, a few volunteers doing most of the work. Subjects the crowd
        # agrees on retire before their fifth vote, so the mean is below five: printed as it is.
        result = crowd_simulate(workflow=workflow, volunteers=DEMO_VOLUNTEERS, realistic=True)
        mean = result.votes_created / result.subjects if result.subjects else 0.0
        say(
            f"  {result.votes_created} votes on {result.subjects} subjects ({mean:.1f} per subject)"
        )
    if workflow is not None:
        from hunt.classify.aggregation import crowd_aggregate

        run = crowd_aggregate(workflow=workflow)
        if run is not None:
            say(
                f"  crowd model: {run.volunteers} volunteers' skills, posteriors for {run.subjects} "
                f"subjects, {run.retired} retired by posterior"
            )
