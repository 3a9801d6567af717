"""The site's URLs plus a plain-Django view doing one INSERT: the ceiling the classification API is compared to.

The view has what every request of the site has (the middleware stack, a JSON body parsed, a JSON answer) and
one durable single-row insert in autocommit, nothing of DRF, authentication or the vote: on the same gunicorn
in the same run, it is the most a Django request that writes can do on this machine. Routed only by
bench/ceiling_settings.py, never in production.
"""

import json

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from hunt.urls import urlpatterns as site

TABLE = "bench_ceiling_insert"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, subject bigint NOT NULL, "
    "answer text NOT NULL, idempotency_key uuid NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
)


@csrf_exempt
@require_POST
def single_insert(request: HttpRequest) -> HttpResponse:
    body = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (subject, answer, idempotency_key) VALUES (%s, %s, %s) RETURNING id",
            [int(body["subject"]), str(body["answer"]), str(body["idempotency_key"])],
        )
        (pk,) = cursor.fetchone()
    return JsonResponse({"id": pk, "idempotency_key": body["idempotency_key"]}, status=201)


urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/insert/", single_insert, name="bench-ceiling-insert"),
    *site,
]
