"""A15/A9: caps on #tags and @mentions per comment; images only on normalised media paths."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hunt.subjects.models import Subject
from hunt.talk.markdown import image_allowed
from hunt.talk.models import Comment, Tag
from hunt.talk.services import MAX_TAGS, TalkError


def test_a_comment_with_1600_hashtags_is_refused_quickly(
    post: Callable[..., Comment], volunteer: Any
) -> None:
    body = " ".join(f"#t{n}" for n in range(1600))
    with pytest.raises(TalkError, match="at most"):
        post(volunteer, body)
    assert not Tag.objects.exists()


def test_a_few_tags_over_the_cap_are_refused_a_handful_kept(
    post: Callable[..., Comment], volunteer: Any
) -> None:
    with pytest.raises(TalkError):
        post(volunteer, " ".join(f"#t{n}" for n in range(MAX_TAGS + 1)))
    comment = post(volunteer, " ".join(f"#t{n}" for n in range(MAX_TAGS)))
    assert comment.tags.count() == MAX_TAGS


def test_the_api_answers_400_for_too_many_tags(volunteer_client: Client, subject: Subject) -> None:
    body = {"body": " ".join(f"#t{n}" for n in range(1600))}
    url = reverse("api-talk-subject-comments", args=[subject.pk])
    response = volunteer_client.post(url, body, content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "src",
    [
        "/media/../talk/mentions/",
        "/media/%2e%2e/talk/mentions/",
        "/media/cutouts/../../accounts/log-out/",
        "/static/./../talk/mentions/",
        "/media/x.png?next=/talk/mentions/",
    ],
)
def test_images_outside_media_after_normalising_are_refused(src: str) -> None:
    assert not image_allowed(src)


def test_own_media_images_still_pass() -> None:
    assert image_allowed("/media/cutouts/field/a.png")
    assert image_allowed("/static/img/logo.svg")
