"""A15: sign-ups are throttled per client address (rotating X-Forwarded-For does not help)."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_sign_ups_are_throttled_per_address(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        {**ScopedRateThrottle.THROTTLE_RATES, "signup": "2/hour"},
    )
    codes = []
    for n in range(3):
        client = Client(HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        password = "a-long-enough-passphrase-41"
        response = client.post(
            reverse("accounts:sign_up"),
            {"username": f"new{n}", "password1": password, "password2": password},
        )
        codes.append(response.status_code)
    assert codes == [302, 302, 429]
