"""Writes of Collect: collections, their subjects and the per-account Favourites.

Who may call these is decided by the caller through `hunt.collect.selectors` (visibility and ownership live
there); these functions only refuse what is wrong whoever asks: an owner without an account, a duplicate title,
an unknown subject.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from hunt.accounts.models import Volunteer
from hunt.collect.models import FAVOURITES_TITLE, Collection, CollectionItem
from hunt.subjects.models import Subject


class CollectError(Exception):
    """A write that cannot be done; `status` is the HTTP status an API or page should answer."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AccountRequired(CollectError):
    status = 403


class DuplicateTitle(CollectError):
    status = 409


class UnknownSubject(CollectError):
    status = 404


class CollectionGone(CollectError):
    """The collection was deleted (another tab, another request) after the caller looked it up."""

    status = 404


def _constraint(error: IntegrityError) -> str:
    """The violated constraint's name: a foreign-key error must never pass for a duplicate."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", "") or ""


def _require_account(owner: Volunteer) -> None:
    # A session-only identity disappears with its cookie; a collection shared by URL must outlive it.
    if owner.user_id is None:
        raise AccountRequired("Log in or sign up to keep collections.")


def _clean_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise CollectError("A collection needs a title.")
    if len(title) > 120:
        raise CollectError("A title has at most 120 characters.")
    return title


def _check_title_free(title: str) -> None:
    # "Favourites" names the heart button's collection; a second one would make that button ambiguous.
    if title.casefold() == FAVOURITES_TITLE.casefold():
        raise DuplicateTitle(f"“{FAVOURITES_TITLE}” is kept for the collection the ♥ button fills.")


def _duplicate_title(title: str) -> DuplicateTitle:
    return DuplicateTitle(f"You already have a collection called “{title}”.")


@transaction.atomic
def collection_create(
    *,
    owner: Volunteer,
    title: str,
    description: str = "",
    is_public: bool = False,
    subject_ids: list[int] | None = None,
) -> Collection:
    """A new named collection, optionally with its first subjects (the "new collection" control's case)."""
    _require_account(owner)
    title = _clean_title(title)
    _check_title_free(title)
    try:
        with transaction.atomic():
            collection = Collection.objects.create(
                owner=owner, title=title, description=description.strip(), is_public=is_public
            )
    except IntegrityError as error:
        if _constraint(error) == "collection_title_unique_per_owner":
            raise _duplicate_title(title) from error
        raise
    for subject_id in subject_ids or []:
        collection_subject_add(collection=collection, subject_id=subject_id)
    return collection


@transaction.atomic
def collection_update(
    *,
    collection: Collection,
    title: str | None = None,
    description: str | None = None,
    is_public: bool | None = None,
) -> Collection:
    fields = ["updated_at"]
    if title is not None:
        title = _clean_title(title)
        if title != collection.title:
            if collection.is_favourites:
                raise CollectError(f"{FAVOURITES_TITLE} keeps its name.")
            _check_title_free(title)
            collection.title = title
            fields.append("title")
    if description is not None:
        collection.description = description.strip()
        fields.append("description")
    if is_public is not None:
        collection.is_public = is_public
        fields.append("is_public")
    values = {field: getattr(collection, field) for field in fields if field != "updated_at"}
    collection.updated_at = timezone.now()
    try:
        with transaction.atomic():
            # An UPDATE that matches no row: a DELETE won the race since the view's lookup. A 404, not
            # Django's "did not affect any rows" DatabaseError (which was a 500).
            updated = Collection.objects.filter(pk=collection.pk).update(
                updated_at=collection.updated_at, **values
            )
    except IntegrityError as error:
        if _constraint(error) == "collection_title_unique_per_owner":
            raise _duplicate_title(collection.title) from error
        raise
    if not updated:
        raise CollectionGone("This collection no longer exists.")
    return collection


@transaction.atomic
def collection_delete(*, collection: Collection) -> None:
    # Favourites may go too: the heart button makes a fresh one when next used.
    collection.delete()


@transaction.atomic
def collection_subject_add(*, collection: Collection, subject_id: int) -> bool:
    """Add a subject; True when it was new to the collection. Adding it again changes nothing."""
    if not Subject.objects.filter(pk=subject_id).exists():
        raise UnknownSubject(f"There is no subject {subject_id}.")
    try:
        with transaction.atomic():
            CollectionItem.objects.create(collection=collection, subject_id=subject_id)
    except IntegrityError as error:
        # Two tabs adding the same subject at once: the constraint keeps one row, both calls succeed.
        if _constraint(error) == "collection_item_once_per_collection":
            return False
        raise
    _touch(collection)
    return True


@transaction.atomic
def collection_subject_remove(*, collection: Collection, subject_id: int) -> bool:
    """Remove a subject; True when it was there. Removing an absent subject is not an error."""
    deleted, _ = CollectionItem.objects.filter(
        collection=collection, subject_id=subject_id
    ).delete()
    if deleted:
        _touch(collection)
    return bool(deleted)


def _touch(collection: Collection) -> None:
    # Lists are ordered by last change; an added subject counts as a change.
    collection.updated_at = timezone.now()
    Collection.objects.filter(pk=collection.pk).update(updated_at=collection.updated_at)


def favourites_get_or_create(*, owner: Volunteer) -> Collection:
    _require_account(owner)
    existing = Collection.objects.filter(owner=owner, is_favourites=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Collection.objects.create(
                owner=owner, title=FAVOURITES_TITLE, is_favourites=True
            )
    except IntegrityError as error:
        # A second tab created it first; the partial unique index guarantees there is exactly one.
        if _constraint(error) == "collection_one_favourites_per_owner":
            return Collection.objects.get(owner=owner, is_favourites=True)
        raise


@transaction.atomic
def favourite_set(*, owner: Volunteer, subject_id: int, favourite: bool) -> bool:
    """Put a subject into (or take it out of) the owner's Favourites; returns the new state.

    Setting a state rather than toggling it makes a retried request harmless.
    """
    _require_account(owner)
    if favourite:
        collection_subject_add(
            collection=favourites_get_or_create(owner=owner), subject_id=subject_id
        )
        return True
    existing = Collection.objects.filter(owner=owner, is_favourites=True).first()
    if existing is not None:
        collection_subject_remove(collection=existing, subject_id=subject_id)
    return False
