"""The latent map, correlations and anomaly sets: who may see and do what, and what they get."""

import numpy as np
import pytest
from django.test import Client
from scipy import stats

from hunt.classify.models import SubjectStatus, Workflow
from hunt.similarity.models import AnomalySet
from ml.latent.space import space_load
from tests.similarity.conftest import LatentSurvey, build_latent_survey


@pytest.mark.django_db
def test_the_map_is_the_stored_projection_coloured_by_a_property(
    latent_survey: LatentSurvey, scientist_client: Client
) -> None:
    body = scientist_client.get("/api/latent/map/?colour=redshift").json()
    with latent_survey.space.file.open("rb") as handle:
        space = space_load(handle.read())
    assert body["ids"] == space.ids.tolist()
    np.testing.assert_allclose(body["x"], space.axes[:, 0], atol=1e-3)
    np.testing.assert_allclose(body["y"], space.axes[:, 1], atol=1e-3)
    by_id = dict(zip(latent_survey.ids, latent_survey.redshift.tolist(), strict=True))
    for pk, value in zip(body["ids"], body["values"], strict=True):
        assert (value is None) == np.isnan(by_id[pk])
        if value is not None:
            assert value == pytest.approx(by_id[pk], abs=1e-4)
    classes = scientist_client.get("/api/latent/map/?colour=expert_class").json()
    assert classes["kind"] == "category"
    assert set(classes["values"]) == {"cluster_low_z", "point"}


@pytest.mark.django_db
def test_map_errors_and_permissions(
    latent_survey: LatentSurvey, scientist_client: Client, volunteer_client: Client
) -> None:
    response = scientist_client.get("/api/latent/map/?colour=nonsense")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert volunteer_client.get("/api/latent/map/").status_code == 403
    assert Client().get("/api/latent/map/").status_code in (401, 403)
    assert volunteer_client.get("/science/latent/").status_code == 403
    assert scientist_client.get("/science/latent/").status_code == 200


@pytest.mark.django_db
def test_correlations_are_spearman_of_each_axis(
    latent_survey: LatentSurvey, scientist_client: Client
) -> None:
    body = scientist_client.get("/api/latent/correlations/").json()
    rows = {row["property"]: row for row in body["rows"]}
    with latent_survey.space.file.open("rb") as handle:
        space = space_load(handle.read())
    z = dict(zip(latent_survey.ids, latent_survey.redshift.tolist(), strict=True))
    values = np.array([z[pk] for pk in space.ids.tolist()])
    keep = np.isfinite(values)
    for j, cell in enumerate(rows["redshift"]["cells"]):
        expected = stats.spearmanr(space.axes[keep, j], values[keep]).statistic
        assert cell["rho"] == pytest.approx(expected, abs=1e-6)
        assert cell["n"] == keep.sum()
    # The planted redshift direction is strongly monotonic with one of the first axes.
    assert max(abs(c["rho"]) for c in rows["redshift"]["cells"]) > 0.8
    # Clusters and point sources lie apart along the first axis.
    assert abs(rows["expert_is_cluster"]["cells"][0]["rho"]) > 0.8
    page = scientist_client.get("/science/latent/").content.decode()
    assert 'id="correlation-table"' in page
    assert "Redshift (expert)" in page


@pytest.mark.django_db
def test_only_admins_send_anomalies_to_volunteers(
    db: None, staff_client: Client, scientist_client: Client, volunteer_client: Client
) -> None:
    survey = build_latent_survey(40, outliers=3)
    payload = {"name": "Odd ones", "size": 5}
    for client, refused in ((volunteer_client, 403), (scientist_client, 403), (Client(), 401)):
        response = client.post(
            "/api/latent/anomaly-sets/", payload, content_type="application/json"
        )
        assert response.status_code == refused, response.content
        assert {"detail", "code"} <= set(response.json())
    assert AnomalySet.objects.count() == 0
    response = staff_client.post(
        "/api/latent/anomaly-sets/", payload, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    # The three planted outliers are the strangest.
    assert set(body["subject_ids"][:3]) == set(survey.ids[-3:])
    workflow = Workflow.objects.get(slug=body["workflow"])
    assert not workflow.include_new_sets
    statuses = list(SubjectStatus.objects.filter(workflow=workflow).order_by("priority"))
    assert [s.subject_id for s in statuses] == body["subject_ids"]
    assert all(s.is_gold is False for s in statuses)  # simulation labels are evaluation-only here
    # Volunteers classify it on its own page: the first subject served is the strangest.
    page = Client().get(body["classify_url"])
    assert page.status_code == 200
    first = Client().get(f"/api/subjects/next/?workflow={workflow.slug}").json()
    assert first["id"] == body["subject_ids"][0]
    # The default workflow is untouched.
    assert SubjectStatus.objects.filter(workflow=survey.workflow).count() == 40


@pytest.mark.django_db
def test_anomaly_set_bad_input_and_csrf(latent_survey: LatentSurvey, admin: object) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)  # type: ignore[arg-type]
    response = client.post(
        "/api/latent/anomaly-sets/", {"name": "x", "size": 5}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    staff = Client()
    staff.force_login(admin)  # type: ignore[arg-type]
    for bad in ({"name": "", "size": 5}, {"name": "x", "size": 0}, {"name": "x", "size": 5000}):
        response = staff.post("/api/latent/anomaly-sets/", bad, content_type="application/json")
        assert response.status_code == 400
        assert {"detail", "code"} <= set(response.json())
    assert AnomalySet.objects.count() == 0
