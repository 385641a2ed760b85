"""HTML pages. They are shells: all camera data is fetched through the gated API."""

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

    @app.get("/cameras", include_in_schema=False, response_class=HTMLResponse)
    def cameras_page(request: Request) -> Response:
        if not logged_in(request):
            return RedirectResponse("/login", status_code=303)
        return templates.TemplateResponse(request, "cameras.html", {"version": __version__})

    @app.get("/masks", include_in_schema=False, response_class=HTMLResponse)
    def masks_page(request: Request) -> Response:
        if not logged_in(request):
            return RedirectResponse("/login", status_code=303)
        return templates.TemplateResponse(request, "masks.html", {"version": __version__})

    @app.get("/live", include_in_schema=False, response_class=HTMLResponse)
    def live_page(request: Request) -> Response:
        if not logged_in(request):
            return RedirectResponse("/login", status_code=303)
        return templates.TemplateResponse(request, "live.html", {"version": __version__})
