"""Serving rendered cutouts when no front-end server or object storage does (the demo, small sites)."""

import posixpath

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.static import serve

# Folders of the media root that are never public, whatever is left in them (model files moved to private
# storage; a file someone copied back by hand must still not be served).
PRIVATE_PREFIXES = ("models/", "private/", "exports/")


def serve_media(request: HttpRequest, path: str) -> FileResponse | HttpResponse:
    if (posixpath.normpath(path).lstrip("/") + "/").startswith(PRIVATE_PREFIXES):
        raise Http404("Not a public file.")
    # MEDIA_ROOT is read per request (not frozen at import), so tests and tools can point it elsewhere.
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    # Rendered files are written once and never change under the same name.
    response["Cache-Control"] = "public, max-age=86400"
    return response
