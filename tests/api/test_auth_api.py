"""Over real HTTPS: CSRF, two-factor, API tokens, the session list."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pyotp
import pytest

from tests.conftest import RunningServer, ServerFactory

STRONG = "a-much-longer-passphrase-7"


def cookie_login(server: RunningServer, client: httpx.Client, **extra: str) -> httpx.Response:
    response = client.post(
        "/api/v1/auth/login",
        json={
            "username": server.installation.admin_user,
            "password": server.installation.admin_password,
            **extra,
        },
    )
    response.raise_for_status()
    return response


def add_camera(server: RunningServer) -> int:
    camera = server.services.cameras.add(
        name="Door",
        source="test://pattern?size=160x120&rate=5",
        purposes=["crime_prevention"],
        actor="test",
    )
    return camera.id


def test_cookie_changes_need_the_csrf_token(server: RunningServer, client: httpx.Client) -> None:
    csrf = cookie_login(server, client).json()["csrf_token"]
    same_origin = {"Origin": server.url}
    body = {"username": "carol", "password": STRONG, "role": "viewer"}
    refused = client.post("/api/v1/users", json=body, headers=same_origin)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "request refused (cross-site check)"}
    wrong = client.post(
        "/api/v1/users", json=body, headers=same_origin | {"X-CSRF-Token": "0" * 64}
    )
    assert wrong.status_code == 403
    created = client.post("/api/v1/users", json=body, headers=same_origin | {"X-CSRF-Token": csrf})
    assert created.status_code == 201, created.text
    refusals = server.services.audit.search(action="auth.csrf_refused")
    assert len(refusals) == 2 and '"outcome": "denied"' in refusals[0].detail
    assert client.get("/api/v1/users").status_code == 200, "reads need no token"


def test_bearer_requests_need_no_csrf_token(
    server: RunningServer, admin_client: httpx.Client
) -> None:
    response = admin_client.post(
        "/api/v1/users", json={"username": "dora", "password": STRONG, "role": "viewer"}
    )
    assert response.status_code == 201
    created = json.loads(server.services.audit.search(action="user.create")[0].detail)
    assert created["client"] == "127.0.0.1", "every entry names the source address"
    assert created["outcome"] == "allowed"


def test_two_factor_enrolment_and_login(server: RunningServer, admin_client: httpx.Client) -> None:
    started = admin_client.post("/api/v1/auth/totp", json={})
    assert started.status_code == 200 and started.json()["enabled"] is False
    totp = pyotp.TOTP(started.json()["secret"])
    bad = admin_client.post("/api/v1/auth/totp", json={"code": "000000"})
    assert bad.status_code == 422
    confirmed = admin_client.post("/api/v1/auth/totp", json={"code": totp.now()})
    assert confirmed.json() == {"enabled": True, "secret": None, "otpauth_uri": None}
    assert admin_client.post("/api/v1/auth/totp", json={}).status_code == 409
    assert admin_client.get("/api/v1/auth/me").json()["totp_enabled"] is True
    admin = admin_client.get("/api/v1/users").json()[0]
    assert admin["totp_enabled"] is True and admin["last_login_at"] is not None

    with server.client() as fresh:
        credentials = {
            "username": server.installation.admin_user,
            "password": server.installation.admin_password,
        }
        without = fresh.post("/api/v1/auth/login", json=credentials)
        assert without.status_code == 401
        assert without.json() == {"detail": "wrong user name or password"}, "same answer"
        wrong = fresh.post("/api/v1/auth/login", json=credentials | {"totp_code": "12345x"})
        assert wrong.status_code == 401
    # The code used to confirm may not be used again; wait for the next one if needed.
    code = totp.at(server.services.clock.now() + timedelta(seconds=30))
    with server.client() as fresh:
        accepted = fresh.post("/api/v1/auth/login", json=credentials | {"totp_code": code})
        assert accepted.status_code == 200, accepted.text


def test_admins_must_enrol_first_when_required(start_server: ServerFactory) -> None:
    server = start_server(sessions={"require_totp_for_admins": True})
    with server.client() as client:
        login = cookie_login(server, client).json()
        assert login["must_enrol_totp"] is True
        bearer = {"Authorization": f"Bearer {login['token']}"}
        refused = client.get("/api/v1/users", headers=bearer)
        assert refused.status_code == 403 and "two-factor" in refused.json()["detail"]
        assert client.get("/api/v1/auth/me", headers=bearer).json()["must_enrol_totp"] is True
        page = client.get("/cameras")
        assert page.status_code == 303 and page.headers["location"] == "/account"
        secret = client.post("/api/v1/auth/totp", json={}, headers=bearer).json()["secret"]
        client.post("/api/v1/auth/totp", json={"code": pyotp.TOTP(secret).now()}, headers=bearer)
        assert client.get("/api/v1/users", headers=bearer).status_code == 200


def test_api_tokens_are_limited_to_their_operations(
    server: RunningServer, admin_client: httpx.Client
) -> None:
    camera_id = add_camera(server)
    made = admin_client.post(
        "/api/v1/auth/tokens",
        json={"name": "nightly export", "operations": ["playback"], "expires_in_days": 7},
    )
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    assert token.startswith("mmr_")
    listed = admin_client.get("/api/v1/auth/tokens").json()
    assert [t["name"] for t in listed] == ["nightly export"] and "token" not in listed[0]
    with server.client(headers={"Authorization": f"Bearer {token}"}) as scripted:
        assert scripted.get(f"/api/v1/cameras/{camera_id}/recordings").status_code == 200
        assert scripted.get(f"/api/v1/cameras/{camera_id}/snapshot").status_code == 404, (
            "live is not in the token"
        )
        for method, path in (("GET", "/api/v1/users"), ("GET", "/api/v1/audit")):
            refused = scripted.request(method, path)
            assert refused.status_code == 403 and "API tokens" in refused.json()["detail"]
        minted = scripted.post("/api/v1/auth/tokens", json={"name": "more", "operations": ["live"]})
        assert minted.status_code == 403, "a token cannot make tokens"
        assert scripted.post("/api/v1/auth/logout").status_code == 403
        me = scripted.get("/api/v1/auth/me").json()
        assert me["token_operations"] == ["playback"] and me["csrf_token"] is None
    denied = server.services.audit.search(action="access.denied.live")
    assert denied and '"outcome": "denied"' in denied[0].detail
    assert json.loads(denied[0].detail)["api_token"] == made.json()["id"], "names the token"
    admin_client.delete(f"/api/v1/auth/tokens/{listed[0]['id']}").raise_for_status()
    with server.client(headers={"Authorization": f"Bearer {token}"}) as scripted:
        assert scripted.get("/api/v1/cameras").status_code == 401


def test_tokens_validation(admin_client: httpx.Client) -> None:
    for body in (
        {"name": "x", "operations": []},
        {"name": "x", "operations": ["superuser"]},
        {"name": "x", "operations": ["live"], "expires_in_days": 4000},
        {"name": "", "operations": ["live"]},
    ):
        response = admin_client.post("/api/v1/auth/tokens", json=body)
        assert response.status_code == 422, body


def test_another_users_token_and_sessions_are_not_found(
    server: RunningServer, admin_client: httpx.Client
) -> None:
    admin_client.post(
        "/api/v1/users", json={"username": "vera", "password": STRONG, "role": "viewer"}
    ).raise_for_status()
    token_id = admin_client.post(
        "/api/v1/auth/tokens", json={"name": "mine", "operations": ["live"]}
    ).json()["id"]
    with server.client() as vera:
        login = vera.post("/api/v1/auth/login", json={"username": "vera", "password": STRONG})
        vera.headers["Authorization"] = f"Bearer {login.json()['token']}"
        assert vera.delete(f"/api/v1/auth/tokens/{token_id}").status_code == 404
        admin_sessions = admin_client.get("/api/v1/auth/sessions").json()
        assert vera.delete(f"/api/v1/auth/sessions/{admin_sessions[0]['id']}").status_code == 404
        own = vera.get("/api/v1/auth/sessions").json()
        assert len(own) == 1 and own[0]["current"] is True
    assert admin_client.get("/api/v1/auth/tokens").json()[0]["revoked_at"] is None


def test_admin_sees_and_ends_a_users_sessions(
    server: RunningServer, admin_client: httpx.Client
) -> None:
    created = admin_client.post(
        "/api/v1/users", json={"username": "ines", "password": STRONG, "role": "viewer"}
    ).json()
    with server.client() as ines:
        token = ines.post(
            "/api/v1/auth/login", json={"username": "ines", "password": STRONG}
        ).json()["token"]
        ines.headers["Authorization"] = f"Bearer {token}"
        sessions = admin_client.get(f"/api/v1/users/{created['id']}/sessions").json()
        assert len(sessions) == 1 and sessions[0]["client"] == "127.0.0.1"
        ended = admin_client.delete(f"/api/v1/users/{created['id']}/sessions")
        assert ended.json() == {"revoked": 1}
        assert ines.get("/api/v1/auth/me").status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/auth/sessions", "/api/v1/auth/tokens"])
def test_own_account_routes_need_login(client: httpx.Client, path: str) -> None:
    assert client.get(path).status_code == 401


def test_an_api_token_is_not_accepted_as_the_session_cookie(
    server: RunningServer, admin_client: httpx.Client
) -> None:
    token = admin_client.post(
        "/api/v1/auth/tokens", json={"name": "script", "operations": ["live"]}
    ).json()["token"]
    with server.client(cookies={"mimamoru_session": token}) as browser:
        assert browser.get("/api/v1/auth/me").status_code == 401
        page = browser.get("/cameras")
        assert page.status_code == 303 and page.headers["location"] == "/login"


def test_a_refused_credential_on_footage_or_permissions_is_audited(
    server: RunningServer, client: httpx.Client
) -> None:
    assert client.get("/api/v1/cameras").status_code == 401, "no credential: not recorded"
    assert client.get("/api/v1/auth/me", headers={"Authorization": "Bearer x"}).status_code == 401
    for headers in ({"Authorization": "Bearer mmr_forged"}, {"Authorization": "Basic YTpi"}):
        assert client.get("/api/v1/cameras/1/recordings", headers=headers).status_code == 401
    stale = client.put("/api/v1/users/1/grants", headers={"Authorization": "Bearer old"}, json={})
    assert stale.status_code == 401
    refused = server.services.audit.search(action="auth.credential_refused")
    routes = sorted(json.loads(entry.detail)["route"] for entry in refused)
    assert routes == [
        "/api/v1/cameras/1/recordings",
        "/api/v1/cameras/1/recordings",
        "/api/v1/users/1/grants",
    ]
    assert all('"outcome": "denied"' in entry.detail for entry in refused)
