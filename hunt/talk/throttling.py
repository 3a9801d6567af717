"""The "comment" throttle for the HTML forms, sharing its counts with the API's.

A comment posted through the page and one posted through the API count against the same rate
(settings: REST_FRAMEWORK DEFAULT_THROTTLE_RATES["comment"]), so a script cannot double its allowance by
switching door.
"""

from typing import Any, cast

from django.http import HttpRequest

from hunt.core.throttling import ScopedThrottle

COMMENT_SCOPE = "comment"


class _CommentScope:
    throttle_scope = COMMENT_SCOPE


def comment_post_allowed(request: HttpRequest) -> bool:
    # DRF's throttle reads only request.user and request.META, which a Django request has too.
    return ScopedThrottle().allow_request(cast(Any, request), cast(Any, _CommentScope()))
