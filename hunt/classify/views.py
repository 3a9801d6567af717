"""Volunteer pages: the classifier and the volunteer's page (a subject's page is Talk's)."""

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from hunt.accounts.permissions import scientist_required
from hunt.accounts.services import volunteer_for_request
from hunt.classify.models import VolunteerProgress, Workflow
from hunt.classify.selectors import (
    classifications_of_volunteer,
    volunteer_seen_count,
    volunteer_skill_sentences,
    volunteer_skill_table,
    workflow_answers,
    workflow_default,
    workflow_examples,
)


@ensure_csrf_cookie  # the page's script sends the token with each classification
def classify(request: HttpRequest) -> HttpResponse:
    # `?workflow=<slug>`: another active workflow, e.g. an anomaly set sent from the latent-space page.
    slug = request.GET.get("workflow")
    workflow = get_object_or_404(Workflow, slug=slug, active=True) if slug else workflow_default()
    if workflow is None:
        return render(request, "core/classify.html")
    # No volunteer is created by looking: the first classification creates an anonymous one.
    workflow_data = {
        "slug": workflow.slug,
        "name": workflow.name,
        "version": workflow.version,
        "question": workflow.question,
        "ask_redshift": workflow.ask_redshift,
        "answers": workflow_answers(workflow, examples=workflow_examples(workflow)),
        "gold_feedback": workflow.gold_feedback,
    }
    urls = {
        "next": f"{reverse('api-subject-next')}?workflow={workflow.slug}",
        "classify": reverse("api-classifications"),
    }
    return render(
        request,
        "classify/classify.html",
        {
            "workflow": workflow,
            "workflow_data": workflow_data,
            "urls": urls,
            # The count the API answers with each classification, so the page continues where it left off.
            "session_count": volunteer_seen_count(
                workflow=workflow, volunteer=volunteer_for_request(request, create=False)
            ),
        },
    )


def my_classifications(request: HttpRequest) -> HttpResponse:
    volunteer = volunteer_for_request(request, create=False)
    if volunteer is None:
        return render(request, "volunteer/mine.html", {"recent": [], "progress": [], "total": 0})
    recent = classifications_of_volunteer(volunteer=volunteer)[:24]
    progress = VolunteerProgress.objects.filter(volunteer=volunteer).select_related("workflow")
    total = classifications_of_volunteer(volunteer=volunteer).count()
    context = {
        "recent": recent,
        "progress": progress,
        "total": total,
        "skill_sentences": volunteer_skill_sentences(volunteer=volunteer),
    }
    return render(request, "volunteer/mine.html", context)


@require_GET
@scientist_required
def volunteer_skills(request: HttpRequest) -> HttpResponse:
    """What the crowd model learnt of each volunteer, anonymised; `?format=csv` downloads it."""
    workflow = workflow_default()
    rows = volunteer_skill_table(workflow=workflow) if workflow is not None else []
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="volunteer-skill.csv"'
        if rows:
            writer = csv.DictWriter(response, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return response
    run = workflow.aggregations.first() if workflow is not None else None
    return render(
        request, "classify/volunteer_skills.html", {"rows": rows, "workflow": workflow, "run": run}
    )
