"""Talk fixtures: a subject to discuss, the boards, and a helper that posts a comment through the service."""

from collections.abc import Callable
from typing import Any

import pytest

from hunt.subjects.models import Subject
from hunt.talk.models import Board, Comment
from hunt.talk.services import subject_comment_create
from tests.factories import SubjectFactory


@pytest.fixture
def subject(db: None) -> Subject:
    return SubjectFactory.create()


@pytest.fixture
def boards(db: None) -> dict[str, Board]:
    # The data migration creates them; transactional tests start from flushed tables, so make sure.
    rows = {}
    for position, (slug, name) in enumerate(
        [("help", "Help"), ("science", "Science"), ("chat", "Chat")]
    ):
        rows[slug], _ = Board.objects.update_or_create(
            slug=slug, defaults={"name": name, "position": position}
        )
    return rows


@pytest.fixture
def post(subject: Subject) -> Callable[..., Comment]:
    def make(author: Any, body: str, *, on: Subject | None = None) -> Comment:
        return subject_comment_create(subject=on or subject, author=author, body=body)

    return make
