"""The pages: HTML shells and their scripts and styles, sent with a strict Content-Security-
Policy. Every page is one shell (pages_html/shell.html: head, sign-in, navigation) around its own
body (pages_html/<page>.html), put together once at start. A page holds no data: its script asks
the public API for everything, with the API key the person gave (kept in sessionStorage for the
browser session), so a page shows exactly what the key may see, as any client would."""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

STATIC = Path(__file__).resolve().parent / "static"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY", "Cache-Control": "no-cache"}
PAGES_HTML = Path(__file__).resolve().parent / "pages_html"
# page: (its title, its script under static/js/)
PAGE_PARTS = {"index": ("Blueprints", "index.js"), "upload": ("Upload a log", "upload.js"),
              "editor": ("Blueprint definition", "editor.js"), "blueprint": ("Blueprint", "blueprint.js"),
              "lanes": ("Lane rules", "lanes.js")}
PAGES = {"/": "index", "/upload": "upload", "/blueprints/new": "editor", "/blueprints/{blueprint_id}": "blueprint",
         "/blueprints/{blueprint_id}/lanes": "lanes", "/blueprints/{blueprint_id}/edit": "editor"}


def page_html(name: str) -> str:
    """The whole page `name`: the shell with its title, its script and its body."""
    title, script = PAGE_PARTS[name]
    shell = (PAGES_HTML / "shell.html").read_text()
    return (shell.replace("{title}", title).replace("{script}", script)
            .replace("{content}", (PAGES_HTML / f"{name}.html").read_text()))


HTML = {name: page_html(name) for name in PAGE_PARTS}

router = APIRouter(include_in_schema=False)


def _html(name: str) -> Response:
    return Response(HTML[name], media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)


def _page(name: str):
    def serve() -> Response:
        return _html(name)

    serve.__name__ = f"page_{name}"
    return serve


def _blueprint_page(name: str):
    def serve(blueprint_id: int) -> Response:
        return _html(name)

    serve.__name__ = f"page_{name}_of_blueprint"
    return serve


for path, file in PAGES.items():
    router.add_api_route(path, _blueprint_page(file) if "{blueprint_id}" in path else _page(file), methods=["GET"])


class SecuredStatic(StaticFiles):
    """Static files with the pages' security headers."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"],
                                      *((k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items())]
            await send(message)

        await super().__call__(scope, receive, send_with_headers)


def static_files() -> SecuredStatic:
    return SecuredStatic(directory=STATIC, check_dir=True)
