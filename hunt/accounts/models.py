"""Who does the work: a volunteer identity that exists before (and without) an account.

Volunteers may classify anonymously. Their identity is a `Volunteer` row whose key lives in the session; when
they sign up or log in, the row is attached to (or merged into) their account, so nothing they did is lost.
Classifications point at `Volunteer`, not at `User`, so anonymous work counts. Talk comments and collections
need an account and point at `User`: they are public, and a name is what others mention, follow and moderate.
"""

import uuid

from django.conf import settings
from django.db import models


class Volunteer(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="volunteer",
    )
    anonymous_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        if self.user_id is not None:
            return str(self.user)
        return f"anonymous {str(self.anonymous_key)[:8]}"

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None
