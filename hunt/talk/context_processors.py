from django.http import HttpRequest

from hunt.talk.selectors import mentions_unread_count


def mentions(request: HttpRequest) -> dict[str, object]:
    """The unread-mentions count beside TALK in the navigation (one indexed count per page, signed in only)."""
    user = request.user
    if not user.is_authenticated:
        return {}
    return {"unread_mentions": mentions_unread_count(user=user)}
