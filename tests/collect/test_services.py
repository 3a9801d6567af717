"""Collection writes: titles, idempotent adds, Favourites made once, accounts required."""

from typing import Any

import pytest

from hunt.accounts.models import Volunteer
from hunt.collect.models import Collection, CollectionItem
from hunt.collect.selectors import subject_collect_state
from hunt.collect.services import (
    AccountRequired,
    CollectError,
    CollectionGone,
    DuplicateTitle,
    UnknownSubject,
    collection_create,
    collection_subject_add,
    collection_subject_remove,
    collection_update,
    favourite_set,
    favourites_get_or_create,
)
from tests.collect.conftest import volunteer_of

pytestmark = pytest.mark.django_db


def test_a_session_only_volunteer_cannot_own_a_collection(subjects: list[Any]) -> None:
    anonymous = Volunteer.objects.create()
    with pytest.raises(AccountRequired):
        collection_create(owner=anonymous, title="Mine")
    with pytest.raises(AccountRequired):
        favourite_set(owner=anonymous, subject_id=subjects[0].pk, favourite=True)
    assert Collection.objects.count() == 0


def test_titles_are_unique_per_owner_whatever_the_case_but_not_across_owners(
    volunteer: Any, other_volunteer: Any
) -> None:
    alice, bob = volunteer_of(volunteer), volunteer_of(other_volunteer)
    collection_create(owner=alice, title="Odd  arcs ")
    with pytest.raises(DuplicateTitle, match="already have a collection"):
        collection_create(owner=alice, title="ODD ARCS")
    assert collection_create(owner=bob, title="Odd arcs").title == "Odd arcs"
    assert Collection.objects.get(owner=alice).title == "Odd arcs"  # whitespace tidied


def test_favourites_is_a_reserved_title_and_keeps_its_name(volunteer: Any) -> None:
    alice = volunteer_of(volunteer)
    with pytest.raises(DuplicateTitle):
        collection_create(owner=alice, title="favourites")
    favourites = favourites_get_or_create(owner=alice)
    with pytest.raises(CollectError, match="keeps its name"):
        collection_update(collection=favourites, title="Loved")
    collection_update(collection=favourites, is_public=True)
    favourites.refresh_from_db()
    assert (favourites.title, favourites.is_public) == ("Favourites", True)


def test_renaming_onto_another_collection_title_is_refused(volunteer: Any) -> None:
    alice = volunteer_of(volunteer)
    collection_create(owner=alice, title="Arcs")
    other = collection_create(owner=alice, title="Blobs")
    with pytest.raises(DuplicateTitle):
        collection_update(collection=other, title="arcs")
    other.refresh_from_db()
    assert other.title == "Blobs"


def test_adding_a_subject_twice_keeps_one_item_and_removing_an_absent_one_is_harmless(
    alice_private: Any, subjects: list[Any]
) -> None:
    assert collection_subject_add(collection=alice_private, subject_id=subjects[2].pk) is True
    assert collection_subject_add(collection=alice_private, subject_id=subjects[2].pk) is False
    assert CollectionItem.objects.filter(collection=alice_private).count() == 3
    assert collection_subject_remove(collection=alice_private, subject_id=subjects[2].pk) is True
    assert collection_subject_remove(collection=alice_private, subject_id=subjects[2].pk) is False
    assert CollectionItem.objects.filter(collection=alice_private).count() == 2


def test_an_unknown_subject_is_refused_and_a_new_collection_with_it_is_not_kept(
    volunteer: Any,
) -> None:
    alice = volunteer_of(volunteer)
    with pytest.raises(UnknownSubject):
        collection_create(owner=alice, title="Ghosts", subject_ids=[987654])
    assert not Collection.objects.filter(title="Ghosts").exists()  # the whole create rolled back


def test_favourites_are_made_once_and_setting_a_state_twice_changes_nothing(
    volunteer: Any, subjects: list[Any]
) -> None:
    alice = volunteer_of(volunteer)
    subject_id = subjects[0].pk
    assert favourite_set(owner=alice, subject_id=subject_id, favourite=True) is True
    assert favourite_set(owner=alice, subject_id=subject_id, favourite=True) is True
    assert Collection.objects.filter(owner=alice, is_favourites=True).count() == 1
    assert subject_collect_state(owner=alice, subject_id=subject_id).favourite is True
    assert favourite_set(owner=alice, subject_id=subject_id, favourite=False) is False
    assert favourite_set(owner=alice, subject_id=subject_id, favourite=False) is False
    state = subject_collect_state(owner=alice, subject_id=subject_id)
    assert state.favourite is False
    assert state.collections == []  # Favourites is the heart, not a menu entry


def test_the_control_state_says_which_collections_hold_the_subject(
    volunteer: Any, alice_private: Any, alice_public: Any, subjects: list[Any]
) -> None:
    state = subject_collect_state(owner=volunteer_of(volunteer), subject_id=subjects[0].pk)
    assert [(row["title"], row["contains"]) for row in state.collections] == [
        ("Best clusters", False),
        ("Odd arcs", True),
    ]


def test_updating_a_collection_deleted_since_it_was_looked_up_is_a_clean_404(
    alice_private: Collection,
) -> None:
    # A12: a PATCH racing a DELETE. The view has its instance; the row goes before the save.
    stale = Collection.objects.get(pk=alice_private.pk)
    Collection.objects.filter(pk=alice_private.pk).delete()
    with pytest.raises(CollectionGone) as caught:
        collection_update(collection=stale, title="Renamed", is_public=True)
    assert caught.value.status == 404
    assert not Collection.objects.filter(pk=alice_private.pk).exists()
