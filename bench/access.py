"""Access: the gate's cost per request and audit-chain verification, on SQLite and PostgreSQL.

Everything runs twice in the same run: once on SQLite (a real installation in a temp dir)
and once on PostgreSQL (a fresh database on ``127.0.0.1:5432``, made with
``init_installation(..., database_url=...)`` and dropped afterwards). Figures are prefixed
``sqlite_`` or ``postgres_``. Each installation gets 3 cameras and one viewer (not an
admin) holding a grant on all three for live and playback, with a 24 h playback window.

1. The gate's cost per request. ``services.gate.authorize(viewer, camera,
   Operation.PLAYBACK, time_range=..., detail={...})`` for footage from half an hour ago:
   the camera lookup and the grant check (``may``, windowed) in one transaction, then the
   keyed, hash-chained audit append in another, as the API calls it. The audit log is
   first filled to 1,000,000 rows (``--quick``: 100,000) with SQLAlchemy core executemany
   of ``AuditEvent`` rows that form a valid chain under the installation's audit key
   (``services.keys.secret("audit-chain")``), ``prev_id`` included; they look like the
   gate's and the login's entries, timestamps 1 us apart right after the last real entry,
   so the log stays in order. PostgreSQL then gets ``VACUUM ANALYZE`` so that autovacuum
   does not start in the middle of the timings, and a ``CHECKPOINT`` (also before the
   short-log timing, after ``CREATE DATABASE``) so that each starts without a backlog of
   dirty pages to write. ``*_gate_p50_ms`` / ``_p99_ms`` / ``_mean_ms`` are over 2,000
   calls (``--quick``: 500) after 100 warm-up calls (target p99 < 2 ms on SQLite).
   ``*_<side>_cpu_ms`` is this process's CPU per call, for each of the four sides below
   (on PostgreSQL the server's work is not in it; the floor's includes hashing its rows
   before the clock starts; on SQLite it includes the background WAL checkpoints).

   The peer, ``*_floor_*``: the bare database work, on one connection of the same
   SQLAlchemy engine held open: one indexed SELECT of the grant row (the unique
   ``(user_id, camera_id)`` index) plus one INSERT of an audit row, in one committed
   transaction. The rows it inserts are chained and hashed before the clock starts (so the
   chain stays valid and the floor holds no HMAC; ``prev_id`` is the id its previous insert
   returned); what the floor leaves out is the product's work: two transactions instead of
   one, a connection checkout each, the ORM for the camera and the grant, the detail's
   JSON, the HMAC and, on PostgreSQL, the chain's advisory lock. ``*_gate_vs_floor_p50`` is
   gate / floor. Two parts of the gate are timed alone to show where the rest goes:
   ``*_may_*`` (``gate.may``, the grant check) and ``*_append_*`` (``audit.append``). All
   four take turns in blocks of 50 calls, the order rotating, so that noise on the machine
   hits each alike. The floor is a second writer of the chain, which a server does not
   have: after each of its blocks the audit log is told to read the chain's tail again
   (untimed), as it would after an append by another process, so that the gate does not
   pay a retry the floor caused. ``*_gate_small_log_*`` is the gate before the fill (a log
   of a few dozen rows), 500 calls (``--quick``: 200): does the log's length matter?

2. ``audit verify`` throughput. ``services.audit.verify()`` walks the whole log (the fill
   plus every row the timings appended) and must report it intact; a log this long is
   checked by one worker process per CPU (``*_verify_workers``), each over a range of ids.
   ``*_verify_entries_per_s`` (target >= 100,000 entries/s) and ``*_verify_seconds``;
   ``*_verify_one_process_entries_per_s`` is ``verify(workers=1)``, a single pass. Peers:
   ``*_iterate_rows_per_s`` is plain iteration over the same rows with no hashing,
   SQLAlchemy core ``SELECT`` of the whole table in id order, streamed and fetched in pages
   of 5,000 (the page size ``verify`` uses); ``*_iterate_stream_rows_per_s`` is
   ``verify``'s own query (``stream_events``, the columns it hashes) iterated without
   hashing. ``hash_entries_per_s`` is ``event_hash`` alone over 100,000 rows already in
   memory (no database). Verify and its peers take turns, 3 rounds, medians.
   ``*_verify_vs_iterate`` is verify / core iteration (above 1: faster than one process
   reading the rows).

Also reported: ``*_fill_rows_per_s`` (hashing and inserting the fill), ``*_db_mb``, and
PostgreSQL's version, ``synchronous_commit`` and ``fsync`` (with both on, every audit
append waits for a WAL flush). PostgreSQL is reached as user ``postgres`` (trust auth) via
``--postgres-url`` (the maintenance database the new one is created from). The last line
is JSON.

    .venv/bin/python bench/access.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Table, insert, select

from benchlib import cpu_self, rounded
from mimamoru.access.grants import GrantRecord
from mimamoru.access.principal import Principal
from mimamoru.access.roles import Operation, Role
from mimamoru.audit.log import (
    GENESIS_HASH,
    GENESIS_ID,
    PARALLEL_MIN_ENTRIES,
    default_workers,
    event_hash,
)
from mimamoru.db import audit as audit_queries
from mimamoru.db.tables import Base
from mimamoru.installation import init_installation
from mimamoru.services import AUDIT_KEY_NAME, Services
from mimamoru.settings import load_settings

MB = 1024 * 1024
PASSWORD = "correct-horse-battery-staple"  # noqa: S105 (a throwaway installation)
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BLOCK = 50  # calls per turn
WARMUP = 100  # calls per side before the timings
FILL_BATCH = 20_000
PAGE = audit_queries.STREAM_PAGE  # rows per fetch: what AuditLog.verify uses
HASH_SAMPLE = 100_000
VERIFY_ROUNDS = 3
CLIENT = "203.0.113.7"

AUDIT_EVENTS: Table = Base.metadata.tables["audit_events"]
GRANTS: Table = Base.metadata.tables["grants"]


@dataclass(frozen=True)
class Scale:
    rows: int
    calls: int
    small_log_calls: int


FULL = Scale(1_000_000, 2_000, 500)
QUICK = Scale(100_000, 500, 200)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def latency(prefix: str, seconds: list[float]) -> dict[str, float]:
    ms = [value * 1000 for value in seconds]
    return {
        f"{prefix}_p50_ms": percentile(ms, 50),
        f"{prefix}_p99_ms": percentile(ms, 99),
        f"{prefix}_mean_ms": statistics.fmean(ms),
    }


# -- installations ----------------------------------------------------------------------


@contextmanager
def postgres_database(admin_url: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """A new, empty PostgreSQL database, dropped afterwards; (its URL, server facts)."""
    name = f"mimamoru_bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            facts = {
                "postgres_version": connection.exec_driver_sql("SHOW server_version").scalar(),
                "postgres_synchronous_commit": connection.exec_driver_sql(
                    "SHOW synchronous_commit"
                ).scalar(),
                "postgres_fsync": connection.exec_driver_sql("SHOW fsync").scalar(),
            }
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        try:
            yield url, facts
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@dataclass(frozen=True)
class Setup:
    services: Services
    key: bytes
    viewer: Principal
    cameras: list[int]


def make_setup(root: Path, database_url: str | None) -> Setup:
    """A real installation, three cameras, one viewer granted live and playback on them."""
    root.mkdir(parents=True, exist_ok=True)
    password_file = root / "admin-password.txt"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    data_dir = root / "data"
    init_installation(data_dir, admin_password_file=password_file, database_url=database_url)
    services = Services.build(load_settings(data_dir, database_url=database_url))
    try:
        key, made = services.keys.secret(AUDIT_KEY_NAME)
        assert not made, "the installation should already hold its audit key"
        cameras = [
            services.cameras.add(name=f"camera-{number}", source="test://pattern", actor="admin").id
            for number in range(1, 4)
        ]
        account = services.accounts.create(
            username="viewer", password=PASSWORD, role=Role.VIEWER, actor="admin"
        )
        operations = frozenset({Operation.LIVE, Operation.PLAYBACK})
        services.grants.replace(
            account.id, [GrantRecord(camera, operations, 24) for camera in cameras], "admin"
        )
    except BaseException:
        services.close()
        raise
    return Setup(services, key, Principal(account.id, account.username, account.role), cameras)


# -- filling the log ----------------------------------------------------------------------


def tail(connection: Connection) -> tuple[int, str, datetime]:
    """Id, hash and time of the last audit entry."""
    row = connection.execute(
        select(AUDIT_EVENTS.c.id, AUDIT_EVENTS.c.hash, AUDIT_EVENTS.c.occurred_at)
        .order_by(AUDIT_EVENTS.c.id.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return GENESIS_ID, GENESIS_HASH, datetime.now(UTC)
    return int(row.id), str(row.hash), row.occurred_at


def fill_row(index: int, at: datetime, cameras: list[int]) -> tuple[str, str, int | None, str]:
    """(actor, action, camera, detail) of one made-up entry, like the gate's and logins'."""
    if index % 20 == 0:
        return "viewer", "auth.login", None, json.dumps({"client": CLIENT}, sort_keys=True)
    start = at - timedelta(minutes=30 + index % 600)
    record = {
        "client": CLIENT,
        "segment": index,
        "start": start.isoformat(),
        "end": (start + timedelta(seconds=4)).isoformat(),
    }
    action = "access.live" if index % 7 == 0 else "access.playback"
    camera = cameras[index % len(cameras)]
    return "viewer", action, camera, json.dumps(record, ensure_ascii=False, sort_keys=True)


def chained_rows(
    key: bytes,
    prev: str,
    since: datetime,
    count: int,
    cameras: list[int],
    first: int = 0,
    first_id: int | None = None,
) -> list[dict[str, Any]]:
    """``count`` audit rows chained from ``prev``, 1 us apart after ``since``; with ids
    ``first_id``, ``first_id + 1``, … (and their ``prev_id``) if ``first_id`` is given."""
    rows: list[dict[str, Any]] = []
    for number in range(first, first + count):
        at = since + timedelta(microseconds=number + 1)
        actor, action, camera, detail = fill_row(number, at, cameras)
        digest = event_hash(
            key,
            prev_hash=prev,
            occurred_at=at,
            actor=actor,
            action=action,
            camera_id=camera,
            detail=detail,
        )
        row = {
            "occurred_at": at,
            "actor": actor,
            "action": action,
            "camera_id": camera,
            "detail": detail,
            "prev_hash": prev,
            "hash": digest,
        }
        if first_id is not None:
            row["id"] = first_id + number - first
            row["prev_id"] = row["id"] - 1
        rows.append(row)
        prev = digest
    return rows


def fill_audit(setup: Setup, rows: int) -> float:
    """Append ``rows`` valid entries with core executemany; returns the seconds it took."""
    engine = setup.services.database.engine
    started = time.perf_counter()
    with engine.connect() as connection:
        last_id, prev, since = tail(connection)
    done = 0
    while done < rows:
        count = min(FILL_BATCH, rows - done)
        batch = chained_rows(
            setup.key, prev, since, count, setup.cameras, first=done, first_id=last_id + 1
        )
        with engine.begin() as connection:
            connection.execute(insert(AUDIT_EVENTS), batch)
        prev, last_id = batch[-1]["hash"], batch[-1]["id"]
        done += count
        if done % 200_000 == 0 or done == rows:
            progress(f"  filled {done} rows ({done / (time.perf_counter() - started):.0f}/s)")
    if engine.dialect.name == "postgresql":  # the ids were given: move the sequence past them
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('audit_events', 'id'), "
                "(SELECT max(id) FROM audit_events))"
            )
    seconds = time.perf_counter() - started
    settle(setup, vacuum=True)
    return seconds


def settle(setup: Setup, *, vacuum: bool = False) -> None:
    """PostgreSQL: write out dirty buffers (and vacuum) so a timing starts from quiet."""
    engine = setup.services.database.engine
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if vacuum:
            connection.exec_driver_sql("VACUUM ANALYZE audit_events")
        connection.exec_driver_sql("CHECKPOINT")


def database_mb(setup: Setup) -> float:
    database = setup.services.database
    if database.backend == "postgresql":
        with database.engine.connect() as connection:
            size = connection.exec_driver_sql("SELECT pg_database_size(current_database())")
            return float(size.scalar_one()) / MB
    path = setup.services.settings.data_dir / "mimamoru.db"
    return sum(
        candidate.stat().st_size / MB
        for candidate in (path, path.with_name(path.name + "-wal"))
        if candidate.exists()
    )


# -- 1. the gate and its floor ------------------------------------------------------------


Side = Callable[[int], list[float]]


def recent_range() -> tuple[datetime, datetime]:
    """A 4 s segment from half an hour ago: inside the grant's 24 h window."""
    start = datetime.now(UTC) - timedelta(minutes=30)
    return start, start + timedelta(seconds=4)


def gate_side(setup: Setup) -> Side:
    gate, viewer, cameras = setup.services.gate, setup.viewer, setup.cameras

    def run(count: int) -> list[float]:
        samples: list[float] = []
        time_range = recent_range()
        for number in range(count):
            camera = cameras[number % len(cameras)]
            started = time.perf_counter()
            allowed = gate.authorize(
                viewer,
                camera,
                Operation.PLAYBACK,
                time_range=time_range,
                detail={"client": CLIENT, "segment": number},
            )
            samples.append(time.perf_counter() - started)
            assert allowed.audit_event_id is not None
        return samples

    return run


def may_side(setup: Setup) -> Side:
    gate, viewer, cameras = setup.services.gate, setup.viewer, setup.cameras

    def run(count: int) -> list[float]:
        samples: list[float] = []
        time_range = recent_range()
        for number in range(count):
            started = time.perf_counter()
            allowed = gate.may(
                viewer, cameras[number % len(cameras)], Operation.PLAYBACK, time_range
            )
            samples.append(time.perf_counter() - started)
            assert allowed
        return samples

    return run


def append_side(setup: Setup) -> Side:
    audit, viewer, cameras = setup.services.audit, setup.viewer, setup.cameras

    def run(count: int) -> list[float]:
        samples: list[float] = []
        start, end = recent_range()
        for number in range(count):
            detail = {
                "client": CLIENT,
                "segment": number,
                "start": start.isoformat(),
                "end": end.isoformat(),
            }
            started = time.perf_counter()
            audit.append(
                actor=viewer.username,
                action="access.playback",
                camera_id=cameras[number % len(cameras)],
                detail=detail,
            )
            samples.append(time.perf_counter() - started)
        return samples

    return run


def floor_side(setup: Setup, connection: Connection) -> Side:
    """One indexed SELECT of the grant row + one INSERT of a chained audit row, one commit."""
    user_id, cameras, key = setup.viewer.user_id, setup.cameras, setup.key
    add_event = insert(AUDIT_EVENTS)

    def run(count: int) -> list[float]:
        prev_id, prev, _since = tail(connection)  # untimed: the chain goes on from the tail
        connection.rollback()
        rows = chained_rows(key, prev, datetime.now(UTC), count, cameras)
        queries = [
            select(GRANTS).where(
                GRANTS.c.user_id == user_id, GRANTS.c.camera_id == cameras[number % len(cameras)]
            )
            for number in range(count)
        ]
        samples: list[float] = []
        for query, row in zip(queries, rows, strict=True):
            row["prev_id"] = prev_id
            started = time.perf_counter()
            with connection.begin():
                grant = connection.execute(query).first()
                inserted = connection.execute(add_event, row).inserted_primary_key
            samples.append(time.perf_counter() - started)
            assert grant is not None and inserted is not None
            prev_id = inserted[0]
        # Untimed: the floor wrote to the chain behind the audit log's back, as another
        # process would; tell it to read the tail again, so the gate does not pay for it.
        setup.services.audit._tail = None
        return samples

    return run


def take_turns(sides: dict[str, Side], calls: int) -> dict[str, tuple[list[float], float]]:
    """Warm each side up, then run them in turns of BLOCK calls; (samples, CPU s) per side."""
    for side in sides.values():
        side(WARMUP)
    results: dict[str, tuple[list[float], float]] = {name: ([], 0.0) for name in sides}
    names = list(sides)
    for turn in range(math.ceil(calls / BLOCK)):
        count = min(BLOCK, calls - turn * BLOCK)
        shift = turn % len(names)
        for name in names[shift:] + names[:shift]:
            cpu_before = cpu_self()
            samples = sides[name](count)
            cpu = cpu_self() - cpu_before
            previous, previous_cpu = results[name]
            results[name] = (previous + samples, previous_cpu + cpu)
    return results


def gate_benchmark(setup: Setup, calls: int) -> dict[str, float]:
    result: dict[str, float] = {}
    engine = setup.services.database.engine
    with engine.connect() as connection:
        sides = {
            "gate": gate_side(setup),
            "floor": floor_side(setup, connection),
            "may": may_side(setup),
            "append": append_side(setup),
        }
        measured = take_turns(sides, calls)
    for name, (samples, cpu) in measured.items():
        result.update(latency(name, samples))
        result[f"{name}_cpu_ms"] = cpu / len(samples) * 1000
    result["gate_vs_floor_p50"] = result["gate_p50_ms"] / result["floor_p50_ms"]
    result["gate_calls"] = calls
    return result


# -- 2. verify and its peers --------------------------------------------------------------


def iterate_core(setup: Setup) -> int:
    """Every audit row in id order, core SELECT streamed in pages; no hashing."""
    count = 0
    with setup.services.database.engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=PAGE).execute(
            select(AUDIT_EVENTS).order_by(AUDIT_EVENTS.c.id)
        )
        for page in result.partitions():
            count += len(page)
    return count


def iterate_stream(setup: Setup) -> int:
    """What verify reads (its own query), without hashing."""
    count = 0
    with setup.services.database.engine.connect() as connection:
        events = audit_queries.stream_events(connection)
        for event in events:
            count += 1 if event.hash else 0
        events.close()
    return count


def verify(setup: Setup) -> int:
    check = setup.services.audit.verify()
    assert check.ok, f"the audit chain does not verify: {check.problem}"
    return check.events


def verify_one_process(setup: Setup) -> int:
    check = setup.services.audit.verify(workers=1)
    assert check.ok, f"the audit chain does not verify: {check.problem}"
    return check.events


def verify_benchmark(setup: Setup) -> dict[str, float]:
    expected = setup.services.audit.head()[0]
    runs: dict[str, Callable[[Setup], int]] = {
        "verify": verify,
        "verify_one_process": verify_one_process,
        "iterate": iterate_core,
        "iterate_stream": iterate_stream,
    }
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for round_number in range(VERIFY_ROUNDS):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            count = runs[name](setup)
            seconds[name].append(time.perf_counter() - started)
            assert count == expected, f"{name} saw {count} rows, the log holds {expected}"
    verify_s = statistics.median(seconds["verify"])
    iterate_s = statistics.median(seconds["iterate"])
    with setup.services.database.engine.connect() as connection:
        first_id, last_id = audit_queries.id_bounds(connection) or (0, -1)
    long_log = last_id - first_id + 1 >= PARALLEL_MIN_ENTRIES
    return {
        "verify_entries": expected,
        "verify_workers": default_workers() if long_log else 1,
        "verify_seconds": verify_s,
        "verify_entries_per_s": expected / verify_s,
        "verify_one_process_entries_per_s": expected
        / statistics.median(seconds["verify_one_process"]),
        "iterate_rows_per_s": expected / iterate_s,
        "iterate_stream_rows_per_s": expected / statistics.median(seconds["iterate_stream"]),
        "verify_vs_iterate": iterate_s / verify_s,
    }


def hash_throughput(setup: Setup) -> float:
    """``event_hash`` alone over rows already in memory, entries/s."""
    with setup.services.database.engine.connect() as connection:
        rows = connection.execute(
            select(AUDIT_EVENTS).order_by(AUDIT_EVENTS.c.id).limit(HASH_SAMPLE)
        ).all()
    started = time.perf_counter()
    for row in rows:
        event_hash(
            setup.key,
            prev_hash=row.prev_hash,
            occurred_at=row.occurred_at,
            actor=row.actor,
            action=row.action,
            camera_id=row.camera_id,
            detail=row.detail,
        )
    return len(rows) / (time.perf_counter() - started)


# -- main -------------------------------------------------------------------------------


def run_backend(
    label: str, root: Path, database_url: str | None, scale: Scale, with_hash: bool
) -> dict[str, Any]:
    progress(f"{label}: installing")
    setup = make_setup(root, database_url)
    result: dict[str, Any] = {}
    try:
        settle(setup)
        small = take_turns({"gate": gate_side(setup)}, scale.small_log_calls)["gate"][0]
        result.update(latency("gate_small_log", small))
        progress(
            f"{label}: gate on a short log p50 {result['gate_small_log_p50_ms']:.3f} ms, "
            f"p99 {result['gate_small_log_p99_ms']:.3f} ms; filling {scale.rows} rows"
        )
        fill_seconds = fill_audit(setup, scale.rows)
        result["fill_rows_per_s"] = scale.rows / fill_seconds
        progress(f"{label}: timing the gate, its floor and parts ({scale.calls} calls each)")
        gate = gate_benchmark(setup, scale.calls)
        result.update(gate)
        progress(
            f"{label}: gate p50/p99 {gate['gate_p50_ms']:.3f}/{gate['gate_p99_ms']:.3f} ms, "
            f"floor {gate['floor_p50_ms']:.3f}/{gate['floor_p99_ms']:.3f} ms, "
            f"may {gate['may_p50_ms']:.3f}/{gate['may_p99_ms']:.3f} ms, "
            f"append {gate['append_p50_ms']:.3f}/{gate['append_p99_ms']:.3f} ms"
        )
        result["db_mb"] = database_mb(setup)
        progress(f"{label}: verifying ({VERIFY_ROUNDS} rounds, with peers)")
        checked = verify_benchmark(setup)
        result.update(checked)
        progress(
            f"{label}: verify {checked['verify_entries_per_s']:.0f} entries/s over "
            f"{checked['verify_entries']} entries ({checked['verify_workers']} processes; "
            f"one process {checked['verify_one_process_entries_per_s']:.0f}/s); core "
            f"iteration {checked['iterate_rows_per_s']:.0f} rows/s, verify's query "
            f"{checked['iterate_stream_rows_per_s']:.0f} rows/s"
        )
        hashed = hash_throughput(setup) if with_hash else None
    finally:
        setup.services.close()
    prefixed: dict[str, Any] = {f"{label}_{name}": value for name, value in result.items()}
    if hashed is not None:
        prefixed["hash_entries_per_s"] = hashed
        progress(f"event_hash alone: {hashed:.0f} entries/s")
    return prefixed


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 rows, 500 calls")
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="an existing database to CREATE and DROP the benchmark's database from",
    )
    args = parser.parse_args()
    scale = QUICK if args.quick else FULL
    result: dict[str, Any] = {"bench": "access", "quick": args.quick, "rows": scale.rows}
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mimamoru-bench-access-", dir="/tmp") as tmp:
        workdir = Path(tmp)
        result.update(run_backend("sqlite", workdir / "sqlite", None, scale, with_hash=True))
        with postgres_database(args.postgres_url) as (url, facts):
            result.update(facts)
            result.update(run_backend("postgres", workdir / "postgres", url, scale, False))
    result["total_seconds"] = time.perf_counter() - began
    print(json.dumps(rounded(result)))


if __name__ == "__main__":
    main()
