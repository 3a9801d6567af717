"""A real Celery worker, in a thread of the test process, consuming from a real broker.

Use it inside `@pytest.mark.django_db(transaction=True)` tests: the worker thread has its own database
connection and only sees committed rows.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from celery import Celery
from celery.contrib.testing.worker import start_worker

from hunt.celery import TASK_QUEUES, create_app
from hunt.celery import app as main_app


@contextmanager
def running_worker(broker_url: str, *, queues: tuple[str, ...] = ("default",)) -> Iterator[Celery]:
    """Start a solo-pool worker on `broker_url` and make its app current, so shared tasks send there."""
    app = create_app(broker_url=broker_url, main="hunt-test")
    # Celery prefers the CELERY_BROKER_URL variable to configuration: make sure this app really talks to
    # the broker under test, for sending and for consuming.
    scheme = broker_url.split("://", 1)[0]
    assert app.connection_for_write().as_uri().startswith(scheme)
    assert app.connection_for_read().as_uri().startswith(scheme)
    app.set_current()
    app.set_default()
    try:
        with app.connection_for_write() as connection:
            # Leftovers of an interrupted run must not be consumed by this test.
            for queue in TASK_QUEUES:
                queue.bind(connection.default_channel).declare()
                queue.bind(connection.default_channel).purge()
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=20, queues=list(queues)
        ):
            yield app
    finally:
        main_app.set_current()
        main_app.set_default()


def wait_until(condition: Callable[[], bool], *, timeout: float = 30.0, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()
