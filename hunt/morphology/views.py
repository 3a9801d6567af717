"""The morphology page (scientists and admins): concentration against centroid shift, reference bands drawn."""

import math
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from hunt.accounts.permissions import scientist_required
from hunt.accounts.roles import is_admin
from hunt.morphology.models import MorphologyRun, SubjectMorphology
from hunt.morphology.selectors import GROUPS, plot_points

# The plot: log c from 0.01 to 1 across, log w from 1e-4 to 0.2 up, in an SVG of this size.
WIDTH, HEIGHT, LEFT, BOTTOM, TOP, RIGHT = 640, 440, 64, 48, 16, 16
C_RANGE = (0.01, 1.0)
W_RANGE = (1e-4, 0.2)
COLOURS = {"catalogue": "#ffb454", "crowd": "#6fb7ff", "model": "#8ee6a8"}


def _x(c: float) -> float:
    lo, hi = (math.log10(v) for v in C_RANGE)
    t = (math.log10(min(max(c, C_RANGE[0]), C_RANGE[1])) - lo) / (hi - lo)
    return round(LEFT + t * (WIDTH - LEFT - RIGHT), 1)


def _y(w: float) -> float:
    lo, hi = (math.log10(v) for v in W_RANGE)
    t = (math.log10(min(max(w, W_RANGE[0]), W_RANGE[1])) - lo) / (hi - lo)
    return round(HEIGHT - BOTTOM - t * (HEIGHT - BOTTOM - TOP), 1)


def _plot() -> dict[str, Any]:
    from ml.morphology import CONCENTRATION_NCC_MAX, CONCENTRATION_SCC_MIN, W_DISTURBED_MIN

    points = [
        {
            "subject": p.subject_id, "group": p.group, "x": _x(p.c), "y": _y(p.w),
            "colour": COLOURS[p.group], "c": p.c, "w": p.w, "c_err": p.c_err, "w_err": p.w_err,
            "url": reverse("talk:subject", args=[p.subject_id]),
        }
        for p in plot_points()
    ]  # fmt: skip
    top, bottom = TOP, HEIGHT - BOTTOM
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "bottom": bottom,
        "top": top,
        "right": WIDTH - RIGHT,
        "points": points,
        "ncc_x": _x(CONCENTRATION_NCC_MAX),
        "scc_x": _x(CONCENTRATION_SCC_MIN),
        "w_y": _y(W_DISTURBED_MIN),
        "c_ticks": [{"x": _x(v), "label": f"{v:g}"} for v in (0.01, 0.03, 0.1, 0.3, 1.0)],
        "w_ticks": [{"y": _y(v), "label": f"{v:g}"} for v in (1e-4, 1e-3, 1e-2, 0.1)],
        "groups": [
            {
                "key": key,
                "label": label,
                "colour": COLOURS[key],
                "count": sum(1 for p in points if p["group"] == key),
            }
            for key, label in GROUPS
        ],
    }


@require_GET
@scientist_required
@ensure_csrf_cookie  # the admin button posts with the token
def science(request: HttpRequest) -> HttpResponse:
    from ml.morphology import MEASURE_VERSION, REFERENCES

    measured = SubjectMorphology.objects.filter(version=MEASURE_VERSION)
    context: dict[str, Any] = {
        "plot": _plot(),
        "references": REFERENCES,
        "n_measured": measured.count(),
        "n_not_enough": measured.filter(status=SubjectMorphology.Status.NOT_ENOUGH_COUNTS).count(),
        "morphology_run": MorphologyRun.objects.first(),
        "can_run": is_admin(request.user),
        "page_data": {"morphology_runs": reverse("api-morphology-runs")},
    }
    return render(request, "morphology/science.html", context)
