"""The pages: static HTML shells and their scripts and styles, sent with a strict Content-Security-
Policy. A page holds no data: its script asks the public API for everything, with the API key the
person gave (kept in sessionStorage for the browser session), so a page shows exactly what the
key may see, as any client would."""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

STATIC = Path(__file__).resolve().parent / "static"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY", "Cache-Control": "no-cache"}
PAGES = {"/": "index.html", "/upload": "upload.html", "/blueprints/new": "editor.html",
         "/blueprints/{blueprint_id}": "blueprint.html", "/blueprints/{blueprint_id}/lanes": "lanes.html",
         "/blueprints/{blueprint_id}/edit": "editor.html"}

router = APIRouter(include_in_schema=False)


def _page(name: str):
    def serve() -> FileResponse:
        return FileResponse(STATIC / name, media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

    serve.__name__ = f"page_{name.removesuffix('.html')}"
    return serve


def _blueprint_page(name: str):
    def serve(blueprint_id: int) -> FileResponse:
        return FileResponse(STATIC / name, media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

    serve.__name__ = f"page_{name.removesuffix('.html')}_of_blueprint"
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
