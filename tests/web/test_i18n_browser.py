"""Japanese and English in real Chromium: every string a user sees changes with the language
switcher, the choice sticks across pages, and times show in the site's time zone."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from mimamoru.access.roles import Role
from mimamoru.exports.verify import verify_package
from mimamoru.web import i18n
from tests.conftest import RunningServer, ServerFactory
from tests.exports.support import flip_byte
from tests.support.footage import h264_segment_payload
from tests.web.conftest import PASSWORD, SLOW, add_camera, add_user, log_in_as
from tests.web.test_exports_ui import camera_with_footage, package_file

pytestmark = pytest.mark.browser

SITE_ZONE = "America/Los_Angeles"  # not the default, not the browser's: the page must follow it
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")
NOTHING_BUT_NUMBERS = re.compile(r"[\W\d_]*")

# Every text node and user-facing attribute of the rendered, visible page.
COLLECT = """() => {
  const seen = [];
  const norm = (value) => (value || "").replace(/\\s+/g, " ").trim();
  const shown = (element) => {
    const target = element.tagName === "OPTION" ? element.closest("select") : element;
    return target && target.checkVisibility({ checkVisibilityCSS: true });
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("script, style, datalist") || !shown(parent)) continue;
    if (norm(node.nodeValue)) seen.push(norm(node.nodeValue));
  }
  for (const element of document.body.querySelectorAll("*")) {
    if (!shown(element)) continue;
    for (const name of ["placeholder", "aria-label", "title", "alt"]) {
      if (element.hasAttribute(name) && norm(element.getAttribute(name))) {
        seen.push(norm(element.getAttribute(name)));
      }
    }
    if (element.matches("input[type=submit], input[type=button]")) seen.push(norm(element.value));
  }
  seen.push(norm(document.title));
  return seen;
}"""


class Data:
    """What the test created (and what the server records about it): names, ids, times."""

    def __init__(self) -> None:
        self.tokens: set[str] = set(i18n.NATIVE_NAMES.values()) | {"見守る", "mimamoru"}

    def add(self, *values: object) -> None:
        self.tokens.update(str(value) for value in values if value not in (None, ""))

    def strip(self, text: str) -> str | None:
        """The text without data; None if nothing but data, numbers and punctuation is left."""
        for token in sorted(self.tokens, key=len, reverse=True):
            text = text.replace(token, " ")
        return None if NOTHING_BUT_NUMBERS.fullmatch(text) else text


def seed(server: RunningServer, http: httpx.Client, data: Data) -> dict[str, int]:
    """A camera, a viewer in a group with a grant, a camera group, a token, audit entries."""
    camera = add_camera(server, "Front door")
    alice = add_user(server, "alice")
    chief = add_user(server, "chief", Role.ADMIN)
    group = http.post("/api/v1/groups", json={"name": "night-guards", "description": "Nights"})
    group.raise_for_status()
    group_id = group.json()["id"]
    http.put(f"/api/v1/groups/{group_id}/members", json={"user_ids": [alice]}).raise_for_status()
    http.put(
        f"/api/v1/groups/{group_id}/grants",
        json={"grants": [{"camera_id": camera.id, "operations": ["live", "playback"]}]},
    ).raise_for_status()
    outside = http.post("/api/v1/camera-groups", json={"name": "Outside", "description": ""})
    outside.raise_for_status()
    http.put(
        f"/api/v1/camera-groups/{outside.json()['id']}/cameras",
        json={"camera_ids": [camera.id]},
    ).raise_for_status()
    data.add("Front door", "alice", "chief", "admin", "night-guards", "Nights", "Outside")
    data.add(camera.id, server.installation.admin_user)
    return {"camera": camera.id, "alice": alice, "chief": chief}


def add_audit_data(http: httpx.Client, data: Data) -> None:
    """Audit entries are data: actions, clients, details and raw times (the time's title)."""
    for entry in http.get("/api/v1/audit", params={"limit": 1000}).json():
        recorded = entry["detail"] or {}
        detail = {k: v for k, v in recorded.items() if k not in ("client", "outcome")}
        data.add(entry["action"], entry["actor"], entry["occurred_at"], recorded.get("client"))
        if detail:
            data.add(json.dumps(detail, separators=(",", ":"), ensure_ascii=False))
    # The examples of the action filter's hint are action names: typed as they are.
    data.add("grants.set", "access.", "audit.read")


def seed_compliance(
    server: RunningServer, http: httpx.Client, data: Data, camera_id: int
) -> dict[str, int]:
    """What the compliance pages show: a site with the camera, a storage location, the
    camera's sign, a review, and a second camera without a purpose or a site."""
    site = http.post("/api/v1/sites", json={"name": "Shibuya shop", "address": "Tokyo"})
    site.raise_for_status()
    http.put(
        f"/api/v1/cameras/{camera_id}/site", json={"site_id": site.json()["id"]}
    ).raise_for_status()
    http.post(
        "/api/v1/compliance/storage-locations", json={"name": "Server room", "country": "Japan"}
    ).raise_for_status()
    http.post(
        f"/api/v1/cameras/{camera_id}/sign-attestations",
        params={"installed_on": "2026-11-20", "installed_by": "Sato"},
    ).raise_for_status()
    http.post("/api/v1/compliance/reviews/masks", json={}).raise_for_status()
    yard = server.services.cameras.add(
        name="Back yard", source="test://pattern?size=160x120&rate=2", actor="test"
    )
    data.add("Shibuya shop", "Tokyo", "Server room", "Japan", "Sato", "Back yard", yard.id)
    data.add("/privacy")  # the notice's address, written as it is
    for purpose in http.get("/api/v1/purposes").json():
        data.add(purpose["code"], purpose["name_ja"], purpose["name_en"])
    return {"camera": camera_id, "yard": yard.id}


def switch(page: Page, language: str) -> None:
    page.locator(f'#language a[data-lang="{language}"]').click()
    expect(page.locator("html")).to_have_attribute("lang", language, timeout=SLOW)


def check_page(
    page: Page,
    data: Data,
    url: str,
    ready: Callable[[Page], None],
    screenshots: Path | None = None,
    learn: Callable[[], None] | None = None,
) -> None:
    """Loads ``path`` in English, collects what a user sees, switches to Japanese with the
    switcher and checks that every English string changed and nothing English is left."""
    page.goto(url)
    path = url.split("/", 3)[3]
    switch(page, "en")
    ready(page)
    english = page.evaluate(COLLECT)
    if screenshots:
        screenshots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshots / "en.png"), full_page=True)
    switch(page, "ja")
    ready(page)
    japanese = page.evaluate(COLLECT)
    if screenshots:
        page.screenshot(path=str(screenshots / "ja.png"), full_page=True)
    if learn:  # data that loading the page itself made (the audit log records its reads)
        learn()
    assert len(english) > 5 and len(japanese) > 5
    unchanged = sorted({text for text in english if data.strip(text) and text in set(japanese)})
    assert not unchanged, f"{path}: the same in English and Japanese: {unchanged}"
    english_left = sorted(
        {text for text in japanese if (rest := data.strip(text)) and not JAPANESE.search(rest)}
    )
    assert not english_left, f"{path}: not translated: {english_left}"


def check_requests_exports_and_verify(
    server: RunningServer,
    http: httpx.Client,
    page: Page,
    data: Data,
    ids: dict[str, int],
    tmp_path: Path,
) -> tuple[int, datetime]:
    """The access-request, exports and verify pages with what they show in use: a request
    waiting for a decision, an approved one and the caller's own (withdraw), a finished
    export, and the results of checking an intact and a changed package."""
    # Footage and a finished export of it (the Entrance camera needs no approval to export).
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    (tmp_path / "payload").mkdir()
    payload = h264_segment_payload(4.0, 15, work_dir=tmp_path / "payload")
    entrance = camera_with_footage(server, payload, start)
    good = package_file(server, entrance, start, tmp_path / "good.zip")
    changed = tmp_path / "changed.zip"
    changed.write_bytes(flip_byte(good.read_bytes(), "export-1.mp4"))
    intact = verify_package(good)
    broken = verify_package(changed)
    assert intact.ok and intact.manifest is not None and not broken.ok
    signer = server.services.exports.signer
    data.add("Entrance", entrance, "Minato police station", "捜査関係事項照会書 第7号", "admin")
    data.add(SITE_ZONE, signer.fingerprint, " ".join(signer.public_pem.decode().split()))
    data.add(*(re.findall(r"[0-9a-f]{64}", " ".join(broken.problems))), "export-1.mp4")
    data.add(intact.manifest["video"]["sha256"], "/verify")  # the link names the path

    # Requests: alice asks twice (one approved by chief), chief asks once himself.
    alice = http.post("/api/v1/auth/login", json={"username": "alice", "password": PASSWORD})
    asked = {"camera_id": ids["camera"], "operation": "export"}
    span = {"start": start.isoformat(), "end": (start + timedelta(seconds=8)).isoformat()}
    made = []
    for reason, caller in (
        ("bicycle stolen", alice.json()["token"]),
        ("parcel missing", alice.json()["token"]),
        ("insurance claim", None),
    ):
        headers = {"Authorization": f"Bearer {caller}"} if caller else {}
        answer = http.post(
            "/api/v1/requests", json={**asked, **span, "reason": reason}, headers=headers
        )
        assert answer.status_code == 201, answer.text
        made.append(answer.json()["id"])
    approved = http.post(f"/api/v1/requests/{made[0]}/approve", json={"comment": None})
    assert approved.status_code == 200, approved.text
    data.add("bicycle stolen", "parcel missing", "insurance claim", *made)

    def requests_ready(p: Page) -> None:
        expect(p.locator("#role-nav a")).to_have_count(5, timeout=SLOW)
        expect(p.locator("#requests tbody tr")).to_have_count(3, timeout=SLOW)
        expect(p.locator("#requests-status")).to_have_attribute("data-state", "ok")
        expect(p.locator("#request-camera option")).not_to_have_count(0)
        expect(p.locator("#requests-badge")).to_be_visible()

    def exports_ready(p: Page) -> None:
        expect(p.locator("#exports-state")).to_have_attribute("data-ready", "true", timeout=SLOW)
        expect(p.locator("#key-fingerprint")).to_have_text(signer.fingerprint, timeout=SLOW)
        expect(p.locator('#exports a[data-action="download"]')).to_have_count(1)

    def verified(package: Path, outcome: str) -> Callable[[Page], None]:
        def ready(p: Page) -> None:
            expect(p.locator("#key-fingerprint")).to_have_text(signer.fingerprint, timeout=SLOW)
            p.locator("#verify-file").set_input_files(str(package))
            p.locator("#verify-submit").click()
            expect(p.locator("#verify-result")).to_have_class(outcome, timeout=SLOW)

        return ready

    check_page(page, data, f"{server.url}/requests", requests_ready, tmp_path / "requests")
    pending = page.locator(f'#requests tr[data-request-id="{made[1]}"]')
    expect(pending.locator(".badge")).to_have_text("承認待ち")
    expect(pending.get_by_role("button", name="却下")).to_be_visible()
    mine = page.locator(f'#requests tr[data-request-id="{made[2]}"]')
    expect(mine.get_by_role("button", name="取り下げ")).to_be_visible()
    # A refusal of the API that the page knows is shown translated.
    pending.get_by_role("button", name="却下").click()
    expect(pending.locator(".row-status")).to_contain_text("却下できませんでした", timeout=SLOW)
    check_page(page, data, f"{server.url}/exports", exports_ready, tmp_path / "exports")
    check_page(page, data, f"{server.url}/verify", verified(good, "ok"), tmp_path / "verify")
    check_page(
        page, data, f"{server.url}/verify", verified(changed, "error"), tmp_path / "verify-changed"
    )
    expect(page.locator("#verify-problems li").first).to_contain_text("一致しません")
    return entrance, start


def approved_playback(
    server: RunningServer, http: httpx.Client, entrance: int, start: datetime
) -> int:
    """dora, who may only watch the Entrance live, asks to play a few seconds back; approved."""
    dora = add_user(server, "dora")
    group = http.post("/api/v1/groups", json={"name": "doormen", "description": ""})
    group.raise_for_status()
    http.put(
        f"/api/v1/groups/{group.json()['id']}/members", json={"user_ids": [dora]}
    ).raise_for_status()
    http.put(
        f"/api/v1/groups/{group.json()['id']}/grants",
        json={"grants": [{"camera_id": entrance, "operations": ["live"]}]},
    ).raise_for_status()
    login = http.post("/api/v1/auth/login", json={"username": "dora", "password": PASSWORD})
    watch = {
        "camera_id": entrance,
        "operation": "playback",
        "start": (start + timedelta(seconds=2)).isoformat(),
        "end": (start + timedelta(seconds=8)).isoformat(),
        "reason": "who left the gate open",
    }
    asked_by_dora = http.post(
        "/api/v1/requests",
        json=watch,
        headers={"Authorization": f"Bearer {login.json()['token']}"},
    )
    assert asked_by_dora.status_code == 201, asked_by_dora.text
    request_id = asked_by_dora.json()["id"]
    approved = http.post(f"/api/v1/requests/{request_id}/approve", json={"comment": "ok"})
    assert approved.status_code == 200, approved.text
    return int(request_id)


def check_watch_view(
    server: RunningServer,
    browser: Browser,
    data: Data,
    entrance: int,
    start: datetime,
    tmp_path: Path,
) -> None:
    """The requester's view of an approved playback: watch it, end it; the watch view lists
    the segments, one crossing the range's edge. (After the other pages: a user and a group
    more would change what they show.)"""
    with server.client() as http:
        chief = http.post("/api/v1/auth/login", json={"username": "chief", "password": PASSWORD})
        http.headers["Authorization"] = f"Bearer {chief.json()['token']}"
        request_id = approved_playback(server, http, entrance, start)
    data.add("dora", "doormen", "who left the gate open", request_id)

    def watching(p: Page) -> None:
        row = p.locator(f'#requests tr[data-request-id="{request_id}"]')
        expect(row).to_have_attribute("data-state", "approved", timeout=SLOW)
        expect(row.locator('button[data-action="withdraw"]')).to_be_visible()
        row.locator('button[data-action="watch"]').click()
        expect(p.locator("#watch-segments li")).to_have_count(2, timeout=SLOW)
        expect(p.locator("#watch-segments li.outside")).to_have_count(1)
        expect(p.locator("#watch-status")).to_have_attribute("data-state", "ok")

    requester = browser.new_context(locale="en-US").new_page()
    errors: list[str] = []
    requester.on("pageerror", lambda error: errors.append(str(error)))
    log_in_as(requester, server, "dora", PASSWORD)
    check_page(requester, data, f"{server.url}/requests", watching, tmp_path / "watch")
    requester.context.close()
    assert not errors, errors


def check_watching_pages(
    server: RunningServer,
    browser: Browser,
    page: Page,
    data: Data,
    ids: dict[str, int],
    entrance: int,
    start: datetime,
    tmp_path: Path,
) -> None:
    """The camera list, the grid, the live view (with a snapshot), playback of a recorded day
    and the refusal of a live view to someone who may only play back. (Last: a user and a
    group more would change what the other pages show.)"""
    front = ids["camera"]

    def cameras_ready(p: Page) -> None:
        expect(p.locator("#cameras")).to_have_attribute("data-ready", "true", timeout=SLOW)
        expect(p.locator('#cameras .badge[data-status="recording"]')).to_have_count(1, timeout=SLOW)

    def grid_ready(p: Page) -> None:
        expect(p.locator("#grid-state")).to_have_attribute("data-state", "ready", timeout=SLOW)
        expect(p.locator(f'#grid .tile[data-camera-id="{front}"]')).to_be_visible()
        expect(p.locator(f'#grid .tile[data-camera-id="{entrance}"] .tile-detail')).to_be_visible()

    def live_ready(p: Page) -> None:
        expect(p.locator("#recordings-state")).to_have_attribute("data-ready", "true", timeout=SLOW)
        expect(p.locator("#camera-status")).to_have_attribute("data-state", "live", timeout=SLOW)
        p.locator("#snapshot-button").click()
        expect(p.locator("#snapshot-state")).to_have_attribute("data-state", "taken", timeout=SLOW)

    def playback_ready(p: Page) -> None:
        expect(p.locator("#playback-state")).to_have_attribute("data-state", "paused", timeout=SLOW)
        expect(p.locator("#timeline .range")).not_to_have_count(0)
        expect(p.locator("#playback-time")).to_have_attribute("data-wall-ms", re.compile(r"\d"))

    check_page(page, data, f"{server.url}/cameras", cameras_ready, tmp_path / "cameras")
    check_page(page, data, f"{server.url}/grid", grid_ready, tmp_path / "grid")
    check_page(page, data, f"{server.url}/live?camera={front}", live_ready, tmp_path / "live")
    at = (start + timedelta(seconds=2)).isoformat().replace("+", "%2B")
    check_page(
        page,
        data,
        f"{server.url}/playback?camera={entrance}&t={at}",
        playback_ready,
        tmp_path / "playback",
    )
    # The "Go to" box takes the 24-hour time the clock shows, in Japanese too.
    wanted = (start + timedelta(seconds=5)).astimezone(ZoneInfo(SITE_ZONE))
    page.locator("#goto-time").fill(f"{wanted:%H:%M:%S}")
    page.locator("#goto-form button[type=submit]").click()
    expect(page.locator("#playback-time")).to_have_text(
        f"{wanted.year}年{wanted.month}月{wanted.day}日 {wanted:%H:%M:%S}", timeout=SLOW
    )

    # erin may only play the Front door back: the live view says so, with a request link.
    erin = add_user(server, "erin")
    with server.client() as http:
        chief = http.post("/api/v1/auth/login", json={"username": "chief", "password": PASSWORD})
        http.headers["Authorization"] = f"Bearer {chief.json()['token']}"
        group = http.post("/api/v1/groups", json={"name": "day-shift", "description": ""})
        group.raise_for_status()
        group_id = group.json()["id"]
        http.put(f"/api/v1/groups/{group_id}/members", json={"user_ids": [erin]}).raise_for_status()
        http.put(
            f"/api/v1/groups/{group_id}/grants",
            json={"grants": [{"camera_id": front, "operations": ["playback"]}]},
        ).raise_for_status()
    data.add("erin", "day-shift")

    def refused(p: Page) -> None:
        expect(p.locator("#camera-status")).to_have_attribute("data-state", "denied", timeout=SLOW)
        expect(p.locator("#recordings-state")).to_have_attribute("data-ready", "true", timeout=SLOW)

    viewer = browser.new_context(locale="en-US").new_page()
    errors: list[str] = []
    viewer.on("pageerror", lambda error: errors.append(str(error)))
    log_in_as(viewer, server, "erin", PASSWORD)
    check_page(viewer, data, f"{server.url}/live?camera={front}", refused, tmp_path / "no-live")
    expect(viewer.locator("#camera-status")).to_contain_text("ライブ映像を見る権限がありません")
    viewer.context.close()
    assert not errors, errors


@pytest.fixture
def zoned_server(start_server: ServerFactory) -> RunningServer:
    return start_server(site={"timezone": SITE_ZONE})


def test_every_page_changes_every_string_with_the_switcher(
    zoned_server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    server = zoned_server
    data = Data()
    with server.client() as http:
        http.headers["Authorization"] = f"Bearer {server.login(http)}"
        ids = seed(server, http, data)

    context = browser.new_context(locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # The login page, before anyone is logged in.
    page.goto(f"{server.url}/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the browser asks for English
    check_page(
        page,
        data,
        f"{server.url}/login",
        lambda p: expect(p.locator("#login-form")).to_be_visible(),
        tmp_path / "login",
    )
    # Logging in in Japanese: the labels and the refusal are Japanese.
    page.get_by_label("ユーザー名").fill("chief")
    page.get_by_label("パスワード").fill("wrong password, surely")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("alert")).to_have_text(
        "ユーザー名、パスワード、またはワンタイムコードが正しくありません。", timeout=SLOW
    )
    switch(page, "en")
    log_in_as(page, server, "chief", PASSWORD)

    with server.client() as http:
        login = http.post("/api/v1/auth/login", json={"username": "chief", "password": PASSWORD})
        http.headers["Authorization"] = f"Bearer {login.json()['token']}"
        token = http.post(
            "/api/v1/auth/tokens",
            json={"name": "nightly export", "operations": ["export"], "expires_in_days": 30},
        )
        assert token.status_code == 201, token.text
        data.add("nightly export", page.evaluate("navigator.userAgent"), http.headers["user-agent"])

        def admin_ready(p: Page) -> None:
            # Users, Permissions, Audit, Compliance, Privacy records.
            expect(p.locator("#role-nav a")).to_have_count(5, timeout=SLOW)

        def users_ready(p: Page) -> None:
            admin_ready(p)
            expect(p.locator("#users tbody tr")).to_have_count(3, timeout=SLOW)
            expect(p.locator("article.set")).to_have_count(2, timeout=SLOW)

        def permissions_ready(p: Page) -> None:
            admin_ready(p)
            expect(p.locator("#permissions")).to_have_attribute("data-ready", "true", timeout=SLOW)
            expect(p.locator("#permissions .via").first).to_be_visible(timeout=SLOW)

        def audit_ready(p: Page) -> None:
            admin_ready(p)
            expect(p.locator("#audit tbody")).to_have_attribute("data-ready", "true", timeout=SLOW)
            expect(p.locator("#audit-status")).to_have_attribute("data-state", "ok", timeout=SLOW)

        def account_ready(p: Page) -> None:
            expect(p.locator("#account-status")).to_have_attribute(
                "data-ready", "true", timeout=SLOW
            )
            expect(p.locator("#tokens tbody tr")).to_have_count(1, timeout=SLOW)

        def masks_ready(p: Page) -> None:
            expect(p.locator("#mask-status")).to_have_attribute("data-ready", "true", timeout=SLOW)

        check_page(page, data, f"{server.url}/account", account_ready, tmp_path / "account")
        check_page(page, data, f"{server.url}/admin/users", users_ready, tmp_path / "users")
        # Role names are translated too (the built-in "admin" account shares that name).
        expect(page.locator("#new-role option")).to_have_text(
            ["管理者", "マネージャー", "オペレーター", "閲覧者", "監査担当"]
        )
        # A fixed refusal of the API is shown translated (the API itself answers in English).
        page.get_by_label("ユーザー名", exact=True).fill("bob")
        page.get_by_label("パスワード", exact=True).fill("tall-bob-orange-kettle-7")
        page.get_by_role("button", name="ユーザーを作成").click()
        expect(page.locator("#create-error")).to_have_text(
            "作成できませんでした: パスワードにユーザー名を含めることはできません", timeout=SLOW
        )
        # Confirmations are translated too (declined here: the group stays).
        asked: list[str] = []
        page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
        page.get_by_role("button", name="グループ「night-guards」を削除").click()
        expect(page.locator("article.set")).to_have_count(2)
        assert asked == [
            "グループ「night-guards」を削除しますか？メンバーはこのグループを通じて得ていた"  # noqa: RUF001 - Japanese punctuation
            "権限を失います。この操作は元に戻せません。"
        ]
        check_page(
            page,
            data,
            f"{server.url}/admin/permissions",
            permissions_ready,
            tmp_path / "permissions",
        )
        check_page(
            page,
            data,
            f"{server.url}/masks?camera={ids['camera']}",
            masks_ready,
            tmp_path / "masks",
        )
        check_page(
            page,
            data,
            f"{server.url}/audit",
            audit_ready,
            tmp_path / "audit",
            learn=lambda: add_audit_data(http, data),
        )

        entrance, start = check_requests_exports_and_verify(server, http, page, data, ids, tmp_path)

        # The compliance pages: the dashboard, the privacy records and a sign's preview.
        compliance = seed_compliance(server, http, data, ids["camera"])

        def dashboard_ready(p: Page) -> None:
            admin_ready(p)
            expect(p.locator("#dashboard")).to_have_attribute("data-ready", "true", timeout=SLOW)

        camera_count = len(server.services.cameras.list())

        def records_ready(p: Page) -> None:
            admin_ready(p)
            expect(p.locator("#admin-content")).to_have_attribute(
                "data-ready", "true", timeout=SLOW
            )
            expect(p.locator(".camera-record")).to_have_count(camera_count, timeout=SLOW)

        def signage_ready(p: Page) -> None:
            expect(p.locator("#signage")).to_have_attribute("data-ready", "true", timeout=SLOW)

        check_page(page, data, f"{server.url}/compliance", dashboard_ready, tmp_path / "compliance")
        row = page.locator('#dashboard tr[data-key="sign"]').first
        expect(row).to_contain_text("Sato")  # the data stays as it is
        check_page(
            page,
            data,
            f"{server.url}/admin/compliance",
            records_ready,
            tmp_path / "records",
        )
        check_page(
            page,
            data,
            f"{server.url}/signage?camera={compliance['camera']}",
            signage_ready,
            tmp_path / "signage",
        )

        # Times are the site's, in the language's format: alice's "Created" on the Users page.
        created = next(u for u in http.get("/api/v1/users").json() if u["username"] == "alice")
    local = datetime.fromisoformat(created["created_at"]).astimezone(ZoneInfo(SITE_ZONE))
    page.goto(f"{server.url}/admin/users")  # Japanese: the cookie remembers the switch
    users_ready(page)
    cell = page.locator('#users tbody tr[data-username="alice"] td').nth(3)
    expect(cell).to_have_text(f"{local:%Y/%m/%d} {local.hour}:{local:%M:%S}")
    switch(page, "en")
    users_ready(page)
    hour = local.hour % 12 or 12
    expect(cell).to_contain_text(f"{hour}:{local:%M:%S}")
    expect(cell).to_contain_text(f"{local:%b} {local.day}, {local.year}")
    # What is typed into the audit log's time filters means the site's zone too.
    for typed in (
        "2026-03-08T01:30:00",
        "2026-03-08T03:30:00",
        "2026-11-01T01:30",
        "2026-07-01T12:00",
    ):
        expected = datetime.fromisoformat(typed).replace(tzinfo=ZoneInfo(SITE_ZONE))
        as_utc = page.evaluate("(value) => siteTimeToIso(value)", typed)
        # 2026-11-01T01:30 happens twice there: the first (daylight time) is meant, as Python's.
        assert datetime.fromisoformat(as_utc) == expected.astimezone(UTC), typed
    assert page.evaluate("siteTimeToIso('')") is None
    check_watch_view(server, browser, data, entrance, start, tmp_path)
    check_watching_pages(server, browser, page, data, ids, entrance, start, tmp_path)
    assert not errors, errors


def test_the_choice_persists_across_pages_and_logins(
    server: RunningServer, browser: Browser
) -> None:
    add_user(server, "chief", Role.ADMIN)
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(f"{server.url}/login")
    expect(page.locator("h1")).to_have_text("Log in")
    switch(page, "ja")
    expect(page.locator("h1")).to_have_text("ログイン")
    page.get_by_label("ユーザー名").fill("chief")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page).to_have_url(f"{server.url}/cameras", timeout=SLOW)
    assert page.locator("html").get_attribute("lang") == "ja"
    # Navigation by links, and a fresh tab of the same browser, keep Japanese.
    page.goto(f"{server.url}/account")
    page.get_by_role("link", name="監査ログ").click()
    expect(page).to_have_url(f"{server.url}/audit", timeout=SLOW)
    expect(page.locator("h1")).to_have_text("監査ログ")
    expect(page.locator("#language a[aria-current]")).to_have_text("日本語")
    other = context.new_page()
    other.goto(f"{server.url}/admin/users")
    expect(other.locator("h1")).to_have_text("ユーザー")
    # A browser that prefers Japanese gets Japanese without choosing; English when chosen.
    japanese_browser = browser.new_context(locale="ja-JP").new_page()
    japanese_browser.goto(f"{server.url}/login")
    expect(japanese_browser.locator("h1")).to_have_text("ログイン")
    switch(japanese_browser, "en")
    japanese_browser.goto(f"{server.url}/login")
    expect(japanese_browser.locator("h1")).to_have_text("Log in")
