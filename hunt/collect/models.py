"""Collections of subjects: each account's Favourites plus any number of named collections.

A collection belongs to a `Volunteer` (like everything volunteers make) but only volunteers with an account may
own one: a session-only identity can vanish with its cookie, and a shared URL must outlive it. The share URL
carries a random `key`, never the row id, so counting ids tells nobody how many private collections exist.
"""

import uuid

from django.db import models
from django.db.models.functions import Lower

from hunt.accounts.models import Volunteer
from hunt.subjects.models import Subject

FAVOURITES_TITLE = "Favourites"


class Collection(models.Model):
    owner = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="collections")
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=2000)
    is_public = models.BooleanField(
        default=False,
        help_text="Public collections are listed on the Collect page and readable by anyone with the "
        "link; private ones are seen by their owner only.",
    )
    # The heart button adds to this one; created on first use so most accounts never have an empty one.
    is_favourites = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-updated_at", "-id")
        constraints = [
            models.UniqueConstraint(
                "owner",
                Lower("title"),
                name="collection_title_unique_per_owner",
                violation_error_message="You already have a collection with this title.",
            ),
            models.UniqueConstraint(
                fields=("owner",),
                condition=models.Q(is_favourites=True),
                name="collection_one_favourites_per_owner",
            ),
        ]
        indexes = [
            models.Index(
                fields=("-updated_at",),
                condition=models.Q(is_public=True),
                name="collection_public_recent_idx",
            )
        ]

    def __str__(self) -> str:
        return self.title


class CollectionItem(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="collection_items")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-added_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("collection", "subject"), name="collection_item_once_per_collection"
            )
        ]

    def __str__(self) -> str:
        return f"{self.collection_id}: subject {self.subject_id}"
