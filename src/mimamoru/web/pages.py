"""HTML pages. They are shells: all camera data is fetched through the gated API."""

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from mimamoru import __version__
from mimamoru.api.deps import SESSION_COOKIE, Dependencies

WEB_DIR = Path(__file__).parent


def mount(app: FastAPI, deps: Dependencies) -> None:
    templates = Jinja2Templates(directory=WEB_DIR / "templates")
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")

    def logged_in(request: Request) -> bool:
        token = request.cookies.get(SESSION_COOKIE)
        return bool(token) and deps.services.sessions.resolve(token or "") is not None

    @app.get("/", include_in_schema=False)
    def index(request: Request) -> Response:
        target = "/cameras" if logged_in(request) else "/login"
        return RedirectResponse(target, status_code=303)

    @app.get("/login", include_in_schema=False, response_class=HTMLResponse)
    def login_page(request: Request) -> Response:
        return templates.TemplateResponse(request, "login.html", {"version": __version__})

    def shell(template: str) -> Callable[[Request], Response]:
        """A page for logged-in users; anyone else is sent to the login page."""

        def page(request: Request) -> Response:
            if not logged_in(request):
                return RedirectResponse("/login", status_code=303)
            return templates.TemplateResponse(request, template, {"version": __version__})

        return page

    for path, template in (
        ("/cameras", "cameras.html"),
        ("/live", "live.html"),
        ("/masks", "masks.html"),
        # Administration: the API refuses non-administrators (and non-auditors for /audit);
        # the pages then say so.
        ("/admin/users", "admin_users.html"),
        ("/admin/permissions", "admin_permissions.html"),
        ("/audit", "audit.html"),
    ):
        app.add_api_route(
            path, shell(template), include_in_schema=False, response_class=HTMLResponse
        )
