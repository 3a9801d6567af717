from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path

from hunt.core.media import serve_media
from hunt.core.views import favicon

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("hunt.classify.urls")),
    path("", include("hunt.learning.urls")),
    path("", include("hunt.core.urls")),
    path("", include("hunt.evaluation.urls")),
    path("", include("hunt.exports.urls")),
    path("", include("hunt.talk.urls")),
    path("", include("hunt.collect.urls")),
    path("", include("hunt.similarity.urls")),
    path("", include("hunt.morphology.urls")),
    path("accounts/", include("hunt.accounts.urls")),
    path("api/", include("hunt.api_urls")),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's, files, errors): the site's icon.
    path("favicon.ico", favicon),
]

if settings.SERVE_MEDIA:
    # Rendered cutouts are immutable once written, so they may be cached for a long time. In production a
    # front-end server or object storage (DJANGO_STORAGE_BACKEND) serves them instead.
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$",
            serve_media,
        )
    ]

admin.site.site_header = "Cluster Hunt administration"
admin.site.site_title = "Cluster Hunt admin"

# JSON errors under /api/, the site's pages elsewhere (hunt.core.errors).
handler400 = "hunt.core.errors.bad_request"
handler403 = "hunt.core.errors.permission_denied"
handler404 = "hunt.core.errors.not_found"
handler500 = "hunt.core.errors.server_error"
