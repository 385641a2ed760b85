"""Reading the audit log over HTTPS: auditors and admins only, filtered, JSON or CSV, audited."""

from __future__ import annotations

import csv
import io

import httpx

from tests.api.test_users_api import PASSWORD, add_user, log_in
from tests.conftest import RunningServer


def test_auditors_and_admins_read_the_log_and_others_do_not(
    server: RunningServer, admin_client: httpx.Client
) -> None:
    add_user(admin_client, "audrey", "auditor")
    add_user(admin_client, "vic", "viewer")
    with log_in(server, "audrey") as auditor:
        entries = auditor.get("/api/v1/audit").json()
        actions = [entry["action"] for entry in entries]
        assert actions[0] == "audit.read", "the read itself is recorded, newest first"
        assert "user.create" in actions and "auth.login" in actions
        assert entries[0]["actor"] == "audrey" and isinstance(entries[0]["detail"], dict)
        created = auditor.get("/api/v1/audit", params={"action": "user.create"}).json()
        assert {entry["detail"]["user"] for entry in created} == {"audrey", "vic"}
        prefix = auditor.get("/api/v1/audit", params={"action": "auth.", "actor": "audrey"})
        assert {entry["action"] for entry in prefix.json()} == {"auth.login"}
        page = auditor.get("/api/v1/audit", params={"limit": 2}).json()
        older = auditor.get(
            "/api/v1/audit", params={"limit": 2, "before_id": page[-1]["id"]}
        ).json()
        assert len(page) == 2 and all(entry["id"] < page[-1]["id"] for entry in older)
        exported = auditor.get("/api/v1/audit", params={"format": "csv", "limit": 1000})
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(exported.text)))
        assert rows[0] == ["id", "occurred_at", "actor", "action", "camera_id", "detail"]
        assert any(row[3] == "user.create" for row in rows[1:])
        # An auditor sees no footage without a grant.
        assert auditor.get("/api/v1/cameras").json() == []
    assert admin_client.get("/api/v1/audit").status_code == 200
    with log_in(server, "vic") as viewer:
        refused = viewer.get("/api/v1/audit")
        assert refused.status_code == 403
    assert server.services.audit.verify().ok
    assert PASSWORD not in exported.text
