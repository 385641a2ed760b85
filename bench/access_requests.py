"""Access requests: what the gate costs when it allows through an approval, not a grant.

Runs on SQLite (a real installation in a temp dir) and on PostgreSQL (a fresh database on
``127.0.0.1:5432``, dropped afterwards); figures are prefixed ``sqlite_`` or ``postgres_``.
Each installation is made by ``bench/access.py``'s ``make_setup`` (3 cameras; a viewer
granted live and playback on all three, 24 h window). Added here: a second viewer,
``requester``, granted only ``live`` on the cameras, with one approved playback request per
camera for a 10-minute range two days ago (approved by a manager who holds playback), and
``--others`` (default 1 000) further requests of other users (half approved, half pending)
so that the requests table is not empty around the requester's rows.

Sides, taking turns in blocks of 50 calls after 100 warm-up calls each (``access.py``'s
``take_turns``), ``--calls`` (default 2 000) calls each:

- ``granted``: ``gate.authorize(viewer, camera, playback, 4 s half an hour ago)``: the
  grant allows it (one query for camera and grants, then the audit append). The peer.
- ``approved``: ``gate.authorize(requester, camera, playback, a 4 s segment inside the
  approved range)``: the grants refuse (live only), the approval allows it: the grant
  query, then the approval query, then the audit append.
- ``may_granted`` / ``may_approved``: ``gate.may`` for the same two, no audit append: the
  permission check alone.

``*_approved_vs_granted_p50`` is approved / granted. The audit log is short (the installation's
own entries plus those the timings write): ``bench/access.py`` shows that its length does not
change the gate's cost. The last line of stdout is one JSON object.

    .venv/bin/python bench/access_requests.py [--calls N] [--others N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from access import (
    DEFAULT_POSTGRES_URL,
    PASSWORD,
    Setup,
    Side,
    latency,
    make_setup,
    postgres_database,
    progress,
    take_turns,
)
from benchlib import rounded
from mimamoru.access.grants import GrantRecord
from mimamoru.access.principal import Principal
from mimamoru.access.roles import Operation, Role

LIVE = frozenset({Operation.LIVE})
MANAGING = frozenset({Operation.LIVE, Operation.PLAYBACK})


def person(setup: Setup, name: str, role: Role, operations: frozenset[Operation]) -> Principal:
    services = setup.services
    account = services.accounts.create(username=name, password=PASSWORD, role=role, actor="b")
    services.grants.replace(
        account.id, [GrantRecord(camera, operations) for camera in setup.cameras], "bench"
    )
    return Principal(account.id, account.username, account.role)


def add_requests(setup: Setup, others: int) -> tuple[Principal, datetime]:
    """The requester with an approval per camera, and ``others`` requests of other users."""
    services = setup.services
    requests = services.requests
    manager = person(setup, "manager", Role.MANAGER, MANAGING)
    requester = person(setup, "requester", Role.VIEWER, LIVE)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    end = start + timedelta(minutes=10)
    for camera in setup.cameras:
        made = requests.create(
            requester,
            camera_id=camera,
            operation="playback",
            start=start,
            end=end,
            reason="bench",
        )
        requests.approve(manager, made.id)
    crowd = [person(setup, f"other-{n}", Role.VIEWER, LIVE) for n in range(20)]
    for number in range(others):
        asker = crowd[number % len(crowd)]
        shift = timedelta(minutes=11 * (number + 1))  # no two ranges alike
        made = requests.create(
            asker,
            camera_id=setup.cameras[number % len(setup.cameras)],
            operation="playback",
            start=start - shift,
            end=end - shift,
            reason="bench",
        )
        if number % 2 == 0:
            requests.approve(manager, made.id)
    return requester, start


def authorize_side(setup: Setup, who: Principal, first: datetime) -> Side:
    gate, cameras = setup.services.gate, setup.cameras

    def run(count: int) -> list[float]:
        samples: list[float] = []
        for number in range(count):
            start = first + timedelta(seconds=4 * (number % 100))
            started = time.perf_counter()
            allowed = gate.authorize(
                who,
                cameras[number % len(cameras)],
                Operation.PLAYBACK,
                time_range=(start, start + timedelta(seconds=4)),
                detail={"segment": number},
            )
            samples.append(time.perf_counter() - started)
            assert allowed.audit_event_id is not None
        return samples

    return run


def may_side(setup: Setup, who: Principal, first: datetime) -> Side:
    gate, cameras = setup.services.gate, setup.cameras

    def run(count: int) -> list[float]:
        samples: list[float] = []
        for number in range(count):
            start = first + timedelta(seconds=4 * (number % 100))
            started = time.perf_counter()
            allowed = gate.may(
                who,
                cameras[number % len(cameras)],
                Operation.PLAYBACK,
                (start, start + timedelta(seconds=4)),
            )
            samples.append(time.perf_counter() - started)
            assert allowed
        return samples

    return run


def run_backend(
    label: str, root: Path, database_url: str | None, calls: int, others: int
) -> dict[str, Any]:
    progress(f"{label}: installing, {others} other requests")
    setup = make_setup(root, database_url)
    try:
        requester, approved_start = add_requests(setup, others)
        recent = datetime.now(UTC) - timedelta(minutes=30)
        sides = {
            "granted": authorize_side(setup, setup.viewer, recent),
            "approved": authorize_side(setup, requester, approved_start),
            "may_granted": may_side(setup, setup.viewer, recent),
            "may_approved": may_side(setup, requester, approved_start),
        }
        progress(f"{label}: timing ({calls} calls per side)")
        timed = take_turns(sides, calls)
    finally:
        setup.services.close()
    result: dict[str, Any] = {}
    for name, (samples, _cpu) in timed.items():
        result.update(latency(f"{label}_{name}", samples))
    result[f"{label}_approved_vs_granted_p50"] = (
        result[f"{label}_approved_p50_ms"] / result[f"{label}_granted_p50_ms"]
    )
    progress(
        f"{label}: granted p50/p99 {result[f'{label}_granted_p50_ms']:.3f}/"
        f"{result[f'{label}_granted_p99_ms']:.3f} ms, approved "
        f"{result[f'{label}_approved_p50_ms']:.3f}/{result[f'{label}_approved_p99_ms']:.3f} ms"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--others", type=int, default=1000)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    args = parser.parse_args()
    result: dict[str, Any] = {
        "bench": "access_requests",
        "calls": args.calls,
        "others": args.others,
    }
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mimamoru-bench-requests-", dir="/tmp") as tmp:
        workdir = Path(tmp)
        result.update(run_backend("sqlite", workdir / "sqlite", None, args.calls, args.others))
        with postgres_database(args.postgres_url) as (url, _facts):
            result.update(
                run_backend("postgres", workdir / "postgres", url, args.calls, args.others)
            )
    result["total_seconds"] = time.perf_counter() - began
    print(json.dumps(rounded(result)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
