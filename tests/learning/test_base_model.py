"""Retrain starts from the simulation-pretrained base network (hunt.learning.base_model), or says why it can't."""

import hashlib
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from hunt.classify.models import Workflow
from hunt.learning.base_model import BaseModelUnavailable, base_network
from hunt.learning.models import ModelVersion, TrainingRun
from hunt.learning.pipeline import training_run_execute
from hunt.learning.services import DEFAULT_PARAMS, InvalidTrainingParams, training_run_start
from ml.learning import ClusterNet, load_model, save_model
from ml.learning.pretrain import BaseRecipe
from tests.learning.conftest import TINY


def _base_file(path: Path, seed: int = 0) -> Path:
    torch.manual_seed(seed)
    save_model(ClusterNet(), path, metadata=BaseRecipe().metadata())
    return path


def test_retrain_fine_tunes_the_bases_heads_by_default() -> None:
    assert DEFAULT_PARAMS["init"] == "simulation"
    assert DEFAULT_PARAMS["freeze_body"] is True


@pytest.mark.django_db
@pytest.mark.parametrize(("freeze_body", "trained_part"), [(True, "heads"), (False, "all")])
def test_a_run_fine_tunes_the_base_and_records_which_file(
    labelled_workflow: Callable[..., Workflow], tmp_path: Path, freeze_body: bool, trained_part: str
) -> None:
    base = _base_file(tmp_path / "base.zip")
    workflow = labelled_workflow()
    # One epoch at a vanishing learning rate: the trained weights can only be the base's.
    params = {**TINY, "epochs": 1, "learning_rate": 1e-12, "freeze_body": freeze_body}
    with override_settings(BASE_MODEL_PATH=base):
        run = training_run_start(user=None, workflow=workflow, params=params, queue=False)
        training_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert run.params["init"] == "simulation"
    assert run.metrics["init"] == {
        "from": "simulation",
        "base_sha256": hashlib.sha256(base.read_bytes()).hexdigest(),
        "trained": trained_part,
    }
    version = ModelVersion.objects.get(run=run)
    with version.file.open("rb") as handle:
        trained = load_model(io.BytesIO(handle.read())).model.state_dict()
    start = load_model(base).model.state_dict()
    for name, tensor in trained.items():
        if freeze_body and name.startswith("body."):
            assert torch.equal(tensor, start[name]), name  # statistics included
        elif tensor.is_floating_point() and "running" not in name:
            assert torch.allclose(tensor, start[name], atol=1e-6), name


@pytest.mark.django_db
def test_init_random_trains_without_the_base(
    labelled_workflow: Callable[..., Workflow], tmp_path: Path
) -> None:
    with override_settings(BASE_MODEL_PATH=tmp_path / "absent.zip"):
        run = training_run_start(
            user=None, workflow=labelled_workflow(), params={**TINY, "init": "random"}, queue=False
        )
        training_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    # freeze_body (on by default) has nothing to keep without a base: everything trains.
    assert run.metrics["init"] == {"from": "random", "trained": "all"}


@pytest.mark.django_db
def test_a_missing_base_fails_the_run_naming_the_file_and_the_way_out(
    labelled_workflow: Callable[..., Workflow], tmp_path: Path
) -> None:
    missing = tmp_path / "gone.zip"
    with override_settings(BASE_MODEL_PATH=missing):
        run = training_run_start(user=None, workflow=labelled_workflow(), params=TINY, queue=False)
        training_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED
    assert str(missing) in run.error
    assert "ml.learning.pretrain" in run.error
    assert "random" in run.error
    assert not ModelVersion.objects.filter(run=run).exists()


@pytest.mark.django_db
def test_an_unknown_init_is_refused_before_anything_is_made(
    labelled_workflow: Callable[..., Workflow],
) -> None:
    workflow = labelled_workflow()
    with pytest.raises(InvalidTrainingParams, match="init must be one of simulation, random"):
        training_run_start(user=None, workflow=workflow, params={"init": "imagenet"}, queue=False)
    with pytest.raises(InvalidTrainingParams, match="freeze_body must be true or false"):
        training_run_start(user=None, workflow=workflow, params={"freeze_body": "yes"}, queue=False)
    assert not TrainingRun.objects.exists()


def test_the_base_is_read_again_when_its_file_changes(tmp_path: Path) -> None:
    path = _base_file(tmp_path / "base.zip", seed=1)
    with override_settings(BASE_MODEL_PATH=path):
        first, first_sha = base_network()
        assert base_network()[0] is first  # cached
        _base_file(path, seed=2)
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
        second, second_sha = base_network()
    assert second is not first
    assert second_sha != first_sha


def test_a_file_that_is_not_a_base_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "model.zip"
    save_model(ClusterNet(), path, metadata={"run": 7})
    with override_settings(BASE_MODEL_PATH=path), pytest.raises(BaseModelUnavailable) as error:
        base_network()
    assert str(path) in str(error.value)
    assert "not a simulation-pretrained base" in str(error.value)


@pytest.mark.django_db
def test_the_api_and_the_command_choose_where_training_starts(
    labelled_workflow: Callable[..., Workflow], staff_client: Client
) -> None:
    workflow = labelled_workflow()
    response = staff_client.post(
        reverse("api-training-runs"),
        TINY | {"init": "random", "freeze_body": False},
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    params = response.json()["params"]
    assert (params["init"], params["freeze_body"]) == ("random", False)
    TrainingRun.objects.update(status=TrainingRun.Status.CANCELLED)
    call_command("retrain", "--queue", "--min-votes", "1", "--even-if-unchanged", "--all-layers")
    run = TrainingRun.objects.latest("pk")
    assert run.snapshot.workflow == workflow
    assert (run.params["init"], run.params["freeze_body"]) == ("simulation", False)
    TrainingRun.objects.update(status=TrainingRun.Status.CANCELLED)
    call_command(
        "retrain", "--queue", "--min-votes", "1", "--even-if-unchanged", "--init", "random"
    )
    assert TrainingRun.objects.latest("pk").params["init"] == "random"
