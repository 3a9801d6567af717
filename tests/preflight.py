"""Fail loudly, before pytest starts, when a service the tests need is missing.

`make test` runs this first: a clear "PostgreSQL is not reachable at ..." beats two hundred connection errors.
"""

import os
import shutil
import sys
from urllib.parse import urlparse

import psycopg
import redis
from kombu import Connection

CHROMIUM = "/usr/bin/chromium"


def _problems() -> list[str]:
    problems = []
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        problems.append(
            f"DATABASE_URL must point at PostgreSQL for the tests (got {database_url!r})."
        )
    else:
        parsed = urlparse(database_url)
        # Connect to the maintenance database: the test database is created by pytest-django.
        server = parsed._replace(path="/postgres").geturl()
        try:
            psycopg.connect(server, connect_timeout=5).close()
        except psycopg.Error as error:
            problems.append(
                f"PostgreSQL is not reachable at {parsed.hostname}:{parsed.port}: {error}"
            )
    for name in ("TEST_REDIS_URL", "TEST_AMQP_URL"):
        url = os.environ.get(name, "")
        try:
            if url.startswith("redis://"):
                redis.Redis.from_url(url, socket_connect_timeout=5).ping()
            else:
                with Connection(url, connect_timeout=5) as connection:
                    connection.ensure_connection(max_retries=1)
        except (
            Exception
        ) as error:  # any failure here means "not usable", whatever the client raised
            problems.append(f"{name}={url!r} is not reachable: {error}")
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        problems.append(
            f"{CHROMIUM} is missing: install Debian's package (apt-get install -y chromium)."
        )
    return problems


def main() -> int:
    problems = _problems()
    for problem in problems:
        print(f"preflight: {problem}", file=sys.stderr)
    if problems:
        print(
            "preflight: the tests need these services; see README 'Running the tests'.",
            file=sys.stderr,
        )
        return 1
    print("preflight: PostgreSQL, Redis, RabbitMQ and Chromium are ready.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
