"""Typed errors, each carrying its HTTP status, rendered as application/problem+json by one handler."""

import logging
import re
from functools import lru_cache
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

log = logging.getLogger("app.errors")
PROBLEM = "application/problem+json"
RETRY_AFTER_S = 2


class ProblemItem(BaseModel):
    """One thing wrong: a request field (`location`), or a row and column of an uploaded file."""

    model_config = ConfigDict(extra="allow")

    location: str | None = Field(default=None, description="e.g. body.name, query.to, path.source_id")
    row: int | None = Field(default=None, description="1-based row (event) number in the file")
    column: str | None = None
    message: str


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (application/problem+json); more members may follow."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="always about:blank: `title` says what kind of error it is")
    title: str
    status: int
    detail: str = Field(description="what was wrong, and where")
    errors: list[ProblemItem] | None = Field(default=None, description="every problem found, when several")


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f}".removesuffix(".0") + " MB"


def describe_sizes(size: int, limit: int) -> tuple[str, str]:
    """`size` and `limit` as text that tells them apart: MB with one decimal (2.4 MB, 1 MB), else
    exact bytes (never "the upload is 3 MB; the limit is 3 MB")."""
    as_mb = (_mb(size), _mb(limit))
    if as_mb[0] != as_mb[1]:
        return as_mb
    return f"{size:,} bytes", f"{limit:,} bytes"


class AppError(Exception):
    """Base of every error the service reports to a client."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    def problem(self) -> dict[str, Any]:
        return {"type": "about:blank", "title": self.title, "status": self.status,
                "detail": self.detail, **self.extra}


class Unauthorized(AppError):
    status, title = 401, "Unauthorized"


class Forbidden(AppError):
    status, title = 403, "Forbidden"


class NotFound(AppError):
    status, title = 404, "Not found"


class Conflict(AppError):
    status, title = 409, "Conflict"


class PayloadTooLarge(AppError):
    status, title = 413, "Payload too large"


class UnsupportedFormat(AppError):
    status, title = 415, "Unsupported format"


class InvalidInput(AppError):
    """The request or the file is malformed (400)."""

    status, title = 400, "Invalid input"


class UnprocessableEvents(AppError):
    """The file parsed but its rows do not make valid events (422)."""

    status, title = 422, "Invalid events"


class MiningError(AppError):
    status, title = 422, "Mining failed"


# Titles of the errors the framework raises (ours carry theirs), in the words of our own.
_TITLES = {404: NotFound.title, 413: PayloadTooLarge.title, 414: "URI too long", 422: "Invalid request",
           500: "Internal error"}


def status_title(status: int) -> str:
    """'Method not allowed' for 405: the standard phrase, in the case of our own titles."""
    if status in _TITLES:
        return _TITLES[status]
    try:
        return HTTPStatus(status).phrase.capitalize()
    except ValueError:
        return "Error"


def problem_response(status: int, title: str, detail: str, headers: dict[str, str] | None = None,
                     **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _location(error: dict) -> str:
    parts = [str(p) for p in error.get("loc", ())]
    if error.get("type") == "nul_character" and (error.get("ctx") or {}).get("where"):
        parts.append(error["ctx"]["where"])  # the field inside the body (app/params.py RequestBody)
    return ".".join(parts)


def _out_of_range_id(errors: list[dict]) -> str | None:
    """'no upload 99…' when the only errors are path ids out of range: no such thing can exist."""
    if not errors or any(e.get("type") not in ("greater_than_equal", "less_than_equal") for e in errors):
        return None
    locations = [tuple(e.get("loc", ())) for e in errors]
    if any(len(loc) != 2 or loc[0] != "path" or not str(loc[1]).endswith("_id") for loc in locations):
        return None
    return f"no {str(locations[0][1]).removesuffix('_id').replace('_', ' ')} {errors[0].get('input')}"


@lru_cache(maxsize=256)
def _path_pattern(template: str) -> re.Pattern:
    return compile_path(template)[0]


def _concrete_operations(request: Request) -> dict | None:
    """The document's operations at exactly this path, when it is a concrete (untemplated) one: it
    is matched before templated ones (OpenAPI), so /v1/uploads/preview is not /v1/uploads/{upload_id}."""
    return request.app.openapi().get("paths", {}).get(request.scope["path"])


def allowed_methods(request: Request, named: str = "") -> list[str]:
    """Every method the document lists at this path, with those Starlette `named` (it names only the
    first route's: GET /v1/sources/{id} hides its PATCH and DELETE)."""
    concrete = _concrete_operations(request)
    if concrete is not None:
        return sorted(method.upper() for method in concrete)
    paths, path = request.app.openapi().get("paths", {}), request.scope["path"]
    methods = {m.strip().upper() for m in named.split(",") if m.strip()}
    for template, operations in paths.items():
        if _path_pattern(template).match(path):
            methods |= {method.upper() for method in operations}
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    """Render every error as problem+json."""

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(exc.problem(), status_code=exc.status, media_type=PROBLEM,
                            headers={"WWW-Authenticate": "Bearer"} if exc.status == 401 else None)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        concrete = _concrete_operations(request)
        if concrete is not None and request.method.lower() not in concrete:
            # GET /v1/uploads/preview reached /v1/uploads/{upload_id} and failed its id: the
            # path the client named has no such method.
            return problem_response(405, status_title(405), "Method Not Allowed",
                                    headers={"Allow": ", ".join(allowed_methods(request))})
        missing = _out_of_range_id(list(exc.errors()))
        if missing:
            return problem_response(404, NotFound.title, missing)
        errors = [{"location": _location(e), "message": e.get("msg", "")} for e in exc.errors()]
        first = errors[0] if errors else {"location": "", "message": "invalid request"}
        return problem_response(422, status_title(422), f"{first['location']}: {first['message']}",
                                errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request, headers.get("Allow", "")))
        title = status_title(exc.status_code)
        return problem_response(exc.status_code, title, str(exc.detail), headers=headers or None)

    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: OperationalError) -> JSONResponse:
        if "database is locked" not in str(exc.orig):
            return await _unexpected(request, exc)
        log.warning("database busy", extra={"path": request.url.path})
        response = problem_response(503, status_title(503), "the database is busy with another write (an upload "
                                    "or a sync is being stored); nothing was changed: retry in a moment")
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(500, status_title(500), "The server failed; the error was logged.")
