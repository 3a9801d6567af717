"""The Export page for scientists: options, a streamed CSV link or a background job with a progress bar."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hunt.accounts.permissions import scientist_required
from hunt.catalogues.models import ReferenceCatalogue
from hunt.classify.models import Workflow
from hunt.exports.models import ExportJob
from hunt.exports.selectors import export_jobs_visible, snapshots_recent
from hunt.subjects.models import SubjectSet


@scientist_required
def export_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "exports/export.html",
        {
            "workflows": Workflow.objects.order_by("-active", "name"),
            "subject_sets": SubjectSet.objects.all(),
            "snapshots": snapshots_recent(),
            "catalogues": ReferenceCatalogue.objects.all(),
            "jobs": export_jobs_visible(request.user)[:20],
            "kinds": ExportJob.Kind.choices,
            "layouts": ExportJob.Layout.choices,
            "formats": ExportJob.Format.choices,
        },
    )
