from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from hunt.accounts.services import volunteer_claim


@receiver(user_logged_in, dispatch_uid="hunt.accounts.claim_anonymous_volunteer")
def claim_anonymous_volunteer(
    sender: Any, request: HttpRequest | None, user: Any, **kw: Any
) -> None:
    # Token-authenticated API calls and admin scripts log in without a session.
    if request is not None and hasattr(request, "session"):
        volunteer_claim(request=request, user=user)


@receiver(user_logged_in, dispatch_uid="hunt.accounts.short_staff_sessions")
def short_staff_sessions(sender: Any, request: HttpRequest | None, user: Any, **kw: Any) -> None:
    # Volunteers keep a year-long session (their anonymous work hangs on it); staff sessions expire soon.
    if request is not None and hasattr(request, "session") and user.is_staff:
        request.session.set_expiry(settings.STAFF_SESSION_AGE)
