"""Serving rendered cutouts when no front-end server or object storage does (the demo, small sites)."""

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.views.static import serve


def serve_media(request: HttpRequest, path: str) -> FileResponse | HttpResponse:
    # MEDIA_ROOT is read per request (not frozen at import), so tests and tools can point it elsewhere.
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    # Rendered files are written once and never change under the same name.
    response["Cache-Control"] = "public, max-age=86400"
    return response
