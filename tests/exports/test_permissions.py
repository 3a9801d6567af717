"""Who may export what: scientists and admins everything, a volunteer their own, anonymous users nothing."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.throttling import ScopedRateThrottle

from hunt.classify.models import Classification
from tests.exports.conftest import World
from tests.exports.helpers import body, frame

SCIENCE_URLS = ("api-export-classifications", "api-export-subjects", "api-export-jobs")


@pytest.mark.parametrize("name", SCIENCE_URLS)
def test_anonymous_users_get_nothing(client: Client, world: World, name: str) -> None:
    assert client.get(reverse(name)).status_code == 401
    assert client.get(reverse("api-export-my-classifications")).status_code == 401
    page = client.get(reverse("exports:export"))
    assert page.status_code == 302
    assert "/accounts/" in page["Location"]


@pytest.mark.parametrize("name", SCIENCE_URLS)
def test_volunteers_cannot_export_everything(
    volunteer_client: Client, world: World, name: str
) -> None:
    assert volunteer_client.get(reverse(name)).status_code == 403
    assert volunteer_client.get(reverse("exports:export")).status_code == 403
    snapshot = world.champion.run.snapshot
    assert (
        volunteer_client.get(reverse("api-export-snapshot", args=[snapshot.pk])).status_code == 403
    )


@pytest.mark.parametrize("layout", ["flat", "panoptes"])
def test_a_volunteer_downloads_only_their_own_classifications(
    volunteer_client: Client, world: World, layout: str
) -> None:
    url = reverse("api-export-my-classifications")
    table = frame(body(volunteer_client.get(url, {"layout": layout})))
    own = Classification.objects.filter(volunteer=world.volunteers[0]).order_by("pk")
    assert table["classification_id"].tolist() == [c.pk for c in own]
    assert set(table["user_name"]) == {"alice"}


@pytest.mark.parametrize("persona", ["scientist_client", "staff_client"])
def test_scientists_and_admins_export_everything(
    request: pytest.FixtureRequest, world: World, persona: str
) -> None:
    client = request.getfixturevalue(persona)
    table = frame(body(client.get(reverse("api-export-classifications"))))
    assert len(table) == Classification.objects.count()
    assert client.get(reverse("exports:export")).status_code == 200


def test_scripts_use_a_token(scientist: Any, world: World) -> None:
    token = Token.objects.create(user=scientist)
    response = Client().get(reverse("api-export-subjects"), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert len(frame(body(response))) == len(world.subjects)


def test_abuse_gets_a_clear_429_but_there_is_no_daily_cap(
    scientist_client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "export": "2/min"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    url = reverse("api-export-classifications")
    codes = [scientist_client.get(url).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    detail = scientist_client.get(url).json()["detail"]
    assert "no daily cap" in detail
    assert "Try again in" in detail
