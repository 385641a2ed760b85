"""Shared fixtures: real SQLite and PostgreSQL databases, installations, a real HTTPS server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from mimamoru.installation import init_installation
from mimamoru.services import Services
from mimamoru.settings import Settings, load_settings
from tests.support.servers import ServerThread, ca_context, free_port

# The suite's own knob (not a mimamoru setting): where the PostgreSQL server is.
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ADMIN_PASSWORD = "correct-horse-battery-staple"

FAST_RECORDING: dict[str, Any] = {
    "segment_seconds": 1.0,
    "keyframe_interval_seconds": 0.5,
    "encoder_preset": "ultrafast",
    "reconnect_initial_seconds": 0.2,
    "reconnect_max_seconds": 1.0,
    "reconcile_seconds": 0.5,
    "open_timeout_seconds": 5.0,
    "read_timeout_seconds": 3.0,
}


@pytest.fixture(autouse=True)
def _no_mimamoru_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests set what they need explicitly; a developer's MIMAMORU_* must not leak in."""
    for name in list(os.environ):
        if name.upper().startswith("MIMAMORU_"):
            monkeypatch.delenv(name)


def _postgres_admin() -> sa.Engine:
    return sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"mimamoru_test_{uuid.uuid4().hex[:12]}"
    admin = _postgres_admin()
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc}")
    url = sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@dataclass
class Installation:
    data_dir: Path
    admin_user: str
    admin_password: str
    database_url: str | None

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {"recording": dict(FAST_RECORDING)}
        if self.database_url:
            values["database_url"] = self.database_url
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(values.get(key), dict):
                values[key] = {**values[key], **value}
            else:
                values[key] = value
        return load_settings(self.data_dir, **values)


def make_installation(root: Path, database_url: str | None = None) -> Installation:
    root.mkdir(parents=True, exist_ok=True)
    data_dir = root / "data"
    password_file = root / "admin-password.txt"
    password_file.write_text(ADMIN_PASSWORD + "\n", encoding="utf-8")
    init_installation(data_dir, admin_password_file=password_file, database_url=database_url)
    return Installation(data_dir, "admin", ADMIN_PASSWORD, database_url)


@pytest.fixture
def installation(tmp_path: Path) -> Installation:
    return make_installation(tmp_path)


@dataclass
class RunningServer:
    url: str
    services: Services
    installation: Installation
    thread: ServerThread

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, verify=ca_context(self.installation.data_dir), timeout=20, **kwargs
        )

    def login(self, client: httpx.Client) -> str:
        response = client.post(
            "/api/v1/auth/login",
            json={
                "username": self.installation.admin_user,
                "password": self.installation.admin_password,
            },
        )
        response.raise_for_status()
        token: str = response.json()["token"]
        return token


ServerFactory = Callable[..., RunningServer]


@pytest.fixture
def start_server(installation: Installation) -> Iterator[ServerFactory]:
    """Start the real HTTPS server (and its recorders) on a free port."""
    started: list[RunningServer] = []

    def start(target: Installation | None = None, **overrides: Any) -> RunningServer:
        chosen = target or installation
        server = {"port": free_port(), **overrides.pop("server", {})}
        settings = chosen.settings(server=server, **overrides)
        services = Services.build(settings)
        thread = ServerThread(settings, services).start()
        running = RunningServer(thread.url, services, chosen, thread)
        started.append(running)
        return running

    yield start
    for running in started:
        running.thread.stop()
        running.services.close()


@pytest.fixture
def server(start_server: ServerFactory) -> RunningServer:
    return start_server()


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with server.client() as http:
        yield http


@pytest.fixture
def admin_client(server: RunningServer) -> Iterator[httpx.Client]:
    with server.client() as http:
        token = server.login(http)
        http.headers["Authorization"] = f"Bearer {token}"
        yield http
