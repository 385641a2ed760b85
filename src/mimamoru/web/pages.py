"""HTML pages. They are shells: all camera data is fetched through the gated API."""

from collections.abc import Callable, Mapping
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from mimamoru import __version__
from mimamoru.access.principal import Principal
from mimamoru.access.sessions import csrf_token
from mimamoru.api.deps import SESSION_COOKIE, Dependencies, client_address, token_from
from mimamoru.web import i18n
from mimamoru.web.notice import mount_notice

WEB_DIR = Path(__file__).parent


def mount(app: FastAPI, deps: Dependencies) -> None:
    templates = Jinja2Templates(directory=WEB_DIR / "templates")
    timezone = deps.services.settings.site.timezone
    i18n.install(templates.env, timezone)

    def render(request: Request, template: str, context: Mapping[str, object]) -> Response:
        """The page in the request's language (docs/i18n.md); an explicit ?lang= is kept."""
        return i18n.render(templates, request, template, context, timezone)

    def redirect(request: Request, target: str) -> Response:
        """A redirect that keeps an explicit ?lang= (as the cookie) for the page it leads to."""
        response = RedirectResponse(target, status_code=303)
        i18n.remember_choice(request, response, i18n.request_language(request))
        return response

    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")

    def logged_in(request: Request) -> Principal | None:
        found = token_from(None, request.cookies.get(SESSION_COOKIE))
        if found is None:
            return None
        return deps.services.sessions.resolve(found[0], client_address(request))

    @app.get("/", include_in_schema=False)
    def index(request: Request) -> Response:
        target = "/cameras" if logged_in(request) is not None else "/login"
        return redirect(request, target)

    @app.get("/login", include_in_schema=False, response_class=HTMLResponse)
    def login_page(request: Request) -> Response:
        return render(request, "login.html", {"version": __version__})

    def shell(template: str) -> Callable[[Request], Response]:
        """A page for logged-in users; anyone else is sent to the login page."""

        def page(request: Request) -> Response:
            principal = logged_in(request)
            if principal is None:
                return redirect(request, "/login")
            if principal.must_enrol_totp and template != "account.html":
                return redirect(request, "/account")
            context = {
                "version": __version__,
                "csrf_token": csrf_token(request.cookies.get(SESSION_COOKIE, "")),
                # Pages show times in the site's zone, whatever the viewer's computer says.
                "site_timezone": deps.services.settings.site.timezone,
            }
            return render(request, template, context)

        return page

    for path, template in (
        ("/cameras", "cameras.html"),
        ("/live", "live.html"),
        ("/masks", "masks.html"),
        ("/account", "account.html"),
        # Administration: the API refuses non-administrators (and non-auditors for /audit);
        # the pages then say so.
        ("/admin/users", "admin_users.html"),
        ("/admin/permissions", "admin_permissions.html"),
        ("/audit", "audit.html"),
        # Compliance: the dashboard (managers, auditors, admins), the records (admins) and
        # a sign's preview; the API decides who sees what.
        ("/compliance", "compliance.html"),
        ("/admin/compliance", "admin_compliance.html"),
        ("/signage", "signage.html"),
        # Watching: the camera grid and recorded playback (video through the gated API).
        ("/grid", "grid.html"),
        ("/playback", "playback.html"),
    ):
        app.add_api_route(
            path, shell(template), include_in_schema=False, response_class=HTMLResponse
        )

    # Exports: ordering and downloading need a login (the API decides who may); checking a
    # package does not, so that a recipient can use the installation's own /verify page.
    app.add_api_route(
        "/exports", shell("exports.html"), include_in_schema=False, response_class=HTMLResponse
    )

    @app.get("/verify", include_in_schema=False, response_class=HTMLResponse)
    def verify_page(request: Request) -> Response:
        return render(request, "verify.html", {"version": __version__})

    # Access requests: the page shows times in the site's time zone, so it needs its name.
    def requests_page(request: Request) -> Response:
        principal = logged_in(request)
        if principal is None:
            return RedirectResponse("/login", status_code=303)
        if principal.must_enrol_totp:
            return RedirectResponse("/account", status_code=303)
        context = {
            "version": __version__,
            "csrf_token": csrf_token(request.cookies.get(SESSION_COOKIE, "")),
            "timezone": deps.services.settings.site.timezone,
        }
        return render(request, "requests.html", context)

    app.add_api_route(
        "/requests", requests_page, include_in_schema=False, response_class=HTMLResponse
    )
    mount_notice(app, deps, templates)
