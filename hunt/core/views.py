"""The site frame's pages: landing, about, and the role-gated science and operations pages."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static

from hunt.accounts.permissions import admin_required, scientist_required
from hunt.core.selectors import site_statistics, worker_ping_recent
from hunt.subjects.models import SubjectSet
from hunt.subjects.selectors import ingest_job_recent


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"stats": site_statistics()})


def about(request: HttpRequest) -> HttpResponse:
    return render(request, "core/about.html", {"stats": site_statistics()})


@scientist_required
def science(request: HttpRequest) -> HttpResponse:
    return render(request, "core/science.html", {"stats": site_statistics()})


@admin_required
def operations(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/operations.html",
        {
            "pings": worker_ping_recent(limit=10),
            "ingest_jobs": ingest_job_recent(limit=10),
            "layouts": SubjectSet.Kind.choices,
            "ingest_roots": settings.INGEST_ROOTS,
        },
    )


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """/favicon.ico, which browsers ask for on pages that name no icon: the site's icon. Resolved per request
    (the static files manifest may not exist when the URLs are imported)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
