"""GET /api/subjects/{id}/similar/: cosine neighbours from the stored space, and who may see model scores."""

import uuid
from typing import Any

import numpy as np
import pytest
from django.test import Client

from hunt.accounts.models import Volunteer
from hunt.classify.services import classification_create
from tests.similarity.conftest import LatentSurvey, build_latent_survey


def _url(pk: int, k: int | str | None = None) -> str:
    return f"/api/subjects/{pk}/similar/" + ("" if k is None else f"?k={k}")


def _brute(survey: LatentSurvey, pk: int, k: int) -> list[int]:
    unit = survey.embeddings / np.linalg.norm(survey.embeddings, axis=1, keepdims=True)
    row = survey.ids.index(pk)
    scores = unit @ unit[row]
    scores[row] = -np.inf
    return [survey.ids[i] for i in np.argsort(-scores)[:k]]


@pytest.mark.django_db
def test_the_neighbours_are_the_cosine_nearest_subjects(
    latent_survey: LatentSurvey, scientist_client: Client
) -> None:
    pk = latent_survey.ids[4]
    response = scientist_client.get(_url(pk, 5))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["model_version"] == latent_survey.version.pk
    assert [item["id"] for item in body["results"]] == _brute(latent_survey, pk, 5)
    assert all(item["talk_url"] == f"/talk/subjects/{item['id']}/" for item in body["results"])
    # A cluster's neighbours are clusters here, and the scientist sees what the model says of them.
    assert all(item["model_class"] == "cluster_low_z" for item in body["results"])
    assert all(item["cluster_probability"] == pytest.approx(0.9) for item in body["results"])


@pytest.mark.django_db
def test_volunteers_see_model_scores_only_of_subjects_they_classified(
    latent_survey: LatentSurvey, volunteer_client: Client, volunteer: Any
) -> None:
    pk = latent_survey.ids[0]
    before = volunteer_client.get(_url(pk, 5)).json()["results"]
    assert len(before) == 5
    assert all(
        item["cluster_probability"] is None and item["model_class"] is None for item in before
    )
    me = Volunteer.objects.get(user=volunteer)
    seen = before[1]["id"]
    classification_create(
        workflow=latent_survey.workflow, volunteer=me, subject_id=seen, answer="cluster",
        redshift="low", idempotency_key=uuid.uuid4(),
    )  # fmt: skip
    after = {item["id"]: item for item in volunteer_client.get(_url(pk, 5)).json()["results"]}
    assert after[seen]["cluster_probability"] == pytest.approx(0.9)
    assert [i for i, item in after.items() if item["cluster_probability"] is not None] == [seen]
    # Anonymous visitors: neighbours, never scores.
    anonymous = Client().get(_url(pk, 5)).json()["results"]
    assert anonymous
    assert all(item["cluster_probability"] is None for item in anonymous)


@pytest.mark.django_db
@pytest.mark.parametrize("k", ["0", "51", "ten", "²"])
def test_a_bad_k_is_a_400_with_detail_and_code(latent_survey: LatentSurvey, k: str) -> None:
    response = Client().get(_url(latent_survey.ids[0], k))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "k must be" in response.json()["detail"]


@pytest.mark.django_db
def test_unknown_subjects_and_missing_spaces_are_404_json(db: None) -> None:
    response = Client().get(_url(999_999))
    assert response.status_code == 404
    assert "detail" in response.json()
    survey = build_latent_survey(6)
    survey.space.delete()
    response = Client().get(_url(survey.ids[0]))
    assert response.status_code == 404
    assert response.json()["code"] == "no_latent_space"


@pytest.mark.django_db
def test_the_talk_page_lists_more_like_this(latent_survey: LatentSurvey) -> None:
    pk = latent_survey.ids[1]
    page = Client().get(f"/talk/subjects/{pk}/").content.decode()
    assert "More like this" in page
    for neighbour in _brute(latent_survey, pk, 10):
        assert f'href="/talk/subjects/{neighbour}/"' in page
    assert "model P(cluster)" not in page  # an anonymous reader sees no model scores
