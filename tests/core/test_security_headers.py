"""A13: an enforced 'self' Content-Security-Policy, and X-Forwarded-Proto trusted only when configured."""

from typing import Any

import pytest
from django.conf import settings
from django.test import Client


@pytest.mark.django_db
def test_pages_carry_an_enforced_self_only_policy(client: Client) -> None:
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "Content-Security-Policy-Report-Only" not in response


def test_the_default_policy_is_enforced_not_report_only() -> None:
    assert getattr(settings, "CONTENT_SECURITY_POLICY", None)
    assert getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) is None


@pytest.mark.django_db
def test_x_forwarded_proto_from_a_client_is_not_trusted(client: Client, rf: Any) -> None:
    assert settings.SECURE_PROXY_SSL_HEADER is None
    request = rf.get("/", HTTP_X_FORWARDED_PROTO="https")
    assert not request.is_secure()


@pytest.mark.django_db
def test_the_api_docs_page_has_no_inline_script(client: Client) -> None:
    import re

    html = client.get("/api/docs/").content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
