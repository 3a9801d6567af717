"""The latent-space page (scientists and admins): the map, the anomaly queue and the correlations."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from hunt.accounts.permissions import scientist_required
from hunt.accounts.roles import is_admin
from hunt.similarity.models import EmbeddingRun
from hunt.similarity.properties import properties
from hunt.similarity.selectors import (
    anomalies,
    anomaly_sets_recent,
    correlations,
    latent_space_serving,
)

ANOMALIES_SHOWN = 30


def _heat(rho: float | None) -> str:
    """A cell's fill: blue for negative, red for positive, white near 0 (an SVG attribute, not a style)."""
    if rho is None:
        return "#eeeeee"
    strength = int(255 * (1 - min(abs(rho), 1.0)))
    return f"#ff{strength:02x}{strength:02x}" if rho > 0 else f"#{strength:02x}{strength:02x}ff"


@require_GET
@scientist_required
@ensure_csrf_cookie  # the admin buttons post with the token
def latent(request: HttpRequest) -> HttpResponse:
    serving = latent_space_serving()
    context: dict[str, Any] = {
        "serving": serving.row if serving else None,
        "properties": [(key, p.label, p.kind) for key, p in properties().items()],
        "embedding_run": EmbeddingRun.objects.first(),
        "anomaly_sets": anomaly_sets_recent(),
        "can_send": is_admin(request.user),
        "page_data": {
            "map": reverse("api-latent-map"),
            "embedding_runs": reverse("api-embedding-runs"),
            "anomaly_sets": reverse("api-anomaly-sets"),
            # The Talk page of subject 0: the script puts each selected subject's id in its place.
            "subject": reverse("talk:subject", args=[0]),
        },
    }
    if serving is not None:
        context["anomalies"] = anomalies(serving, limit=ANOMALIES_SHOWN)
        table = correlations(serving)
        # Positions of the heat map's cells (SVG attributes: the page's CSP allows no inline styles).
        for axis in table["axes"]:
            axis["x"] = 170 + 70 * (axis["axis"] - 1)
        for i, row in enumerate(table["rows"]):
            row["y"] = 30 + 26 * i
            for j, cell in enumerate(row["cells"]):
                cell["fill"], cell["x"] = _heat(cell["rho"]), 170 + 70 * j
        context["correlations"] = table
        context["plot_width"] = 170 + 70 * len(table["axes"])
        context["plot_height"] = 30 + 26 * len(table["rows"])
    return render(request, "similarity/latent.html", context)
