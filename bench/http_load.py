"""A Python stand-in for wrk + bench/classify_load.lua, for machines where wrk cannot be installed.

It sends the same requests (same modes, the same 5 % retries and 3 % duplicates) over `connections` asyncio
connections from `processes` processes, writes the same ack files, and prints the same summary lines as the
Lua script, which bench/classify_load.py parses. It costs far more CPU per request than wrk, which shares the
cores with the server, so figures measured with it are understated: the benchmark labels them as such.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import random
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class _Tally:
    latencies_ms: list[float] = field(default_factory=list)
    non_2xx: int = 0
    socket_errors: int = 0
    fresh: int = 0
    retries: int = 0
    duplicates: int = 0


def _request(mode: str, host: str, origin: str, identity: str, subject: str, key: str) -> bytes:
    body = json.dumps(
        {
            "subject": int(subject),
            "answer": "cluster",
            "redshift": "low",
            "idempotency_key": key,
            "time_spent_ms": 3000,
        }
    )
    path = "/bench/insert/" if mode == "ceiling" else "/api/classifications/"
    headers = [f"Host: {host}", "Content-Type: application/json", f"Content-Length: {len(body)}"]
    if mode == "browser":
        session, csrf = identity.split()
        headers += [f"Cookie: sessionid={session}; csrftoken={csrf}", f"X-CSRFToken: {csrf}",
                    f"Origin: {origin}"]  # fmt: skip
    elif mode == "token":
        headers.append(f"Authorization: Token {identity}")
    return (f"POST {path} HTTP/1.1\r\n" + "\r\n".join(headers) + "\r\n\r\n" + body).encode()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)
    }
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, body, headers.get("connection", "").lower() == "close"


async def _connection(
    mode: str, port: int, identities: list[str], subjects: list[str], deadline: float,
    tally: _Tally, recent: list[tuple[str, str, str]], ack: list[str], rng: random.Random,
) -> None:  # fmt: skip
    host, origin = f"127.0.0.1:{port}", f"http://127.0.0.1:{port}"
    reader = writer = None
    while time.monotonic() < deadline:
        r = rng.random()
        if r < 0.05 and recent:
            identity, subject, key = rng.choice(recent)  # a client retry: the same request again
            tally.retries += 1
        elif r < 0.08 and recent:
            identity, subject, _key = rng.choice(recent)  # a double click that made a new key
            key = str(uuid.uuid4())
            tally.duplicates += 1
        else:
            identity, subject, key = rng.choice(identities), rng.choice(subjects), str(uuid.uuid4())
            tally.fresh += 1
            if len(recent) < 2000:
                recent.append((identity, subject, key))
            else:
                recent[rng.randrange(len(recent))] = (identity, subject, key)
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert reader is not None
            writer.write(_request(mode, host, origin, identity, subject, key))
            status, body, close = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            tally.socket_errors += 1
            writer = None
            continue
        tally.latencies_ms.append((time.perf_counter() - started) * 1000)
        if close:
            writer.close()
            writer = None
        if status in (200, 201):
            acked = json.loads(body).get("idempotency_key")
            if acked:
                ack.append(f"{status} {acked}")
        else:
            tally.non_2xx += 1


def _process(args: tuple[str, int, int, float, str, int]) -> _Tally:
    mode, port, connections, seconds, workdir, seed = args
    folder = Path(workdir)
    identities = (
        (folder / ("sessions.txt" if mode == "browser" else "tokens.txt")).read_text().split("\n")
    )
    identities = [line for line in identities if line]
    subjects = [line for line in (folder / "subjects.txt").read_text().split("\n") if line]
    tally, recent, ack = _Tally(), [], []  # type: ignore[var-annotated]
    rng = random.Random(seed)
    deadline = time.monotonic() + seconds

    async def run() -> None:
        await asyncio.gather(*(
            _connection(mode, port, identities, subjects, deadline, tally, recent, ack, rng)
            for _ in range(connections)
        ))  # fmt: skip

    asyncio.run(run())
    (folder / f"ack-{mode}-py{seed}.txt").write_text("".join(f"{line}\n" for line in ack))
    return tally


def run_load(*, mode: str, port: int, connections: int, seconds: float, workdir: Path,
             processes: int = 2) -> str:  # fmt: skip
    """Run the load and return a summary in wrk's words (Requests/sec, p99 ...), as the Lua script prints."""
    per = [connections // processes + (i < connections % processes) for i in range(processes)]
    started = time.monotonic()
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        tallies = pool.map(
            _process, [(mode, port, n, seconds, str(workdir), i) for i, n in enumerate(per) if n]
        )
    elapsed = time.monotonic() - started
    latencies = sorted(ms for t in tallies for ms in t.latencies_ms)

    def pct(p: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] if latencies else 0.0
        )

    requests = len(latencies)
    lines = [
        f"python load generator: {connections} connections over {processes} processes, {seconds:.0f} s",
        f"fresh {sum(t.fresh for t in tallies)}, retries {sum(t.retries for t in tallies)}, "
        f"duplicates {sum(t.duplicates for t in tallies)}",
        f"p50 {pct(50):.1f} ms, p90 {pct(90):.1f} ms, p99 {pct(99):.1f} ms, max {pct(100):.1f} ms",
        f"requests {requests}, non-2xx/3xx {sum(t.non_2xx for t in tallies)}, "
        f"socket errors {sum(t.socket_errors for t in tallies)}",
        f"Requests/sec: {requests / elapsed:.2f}",
    ]
    return "\n".join(lines) + "\n"
