"""The OpenAPI document: every operation lists the errors it can give, as application/problem+json.

Routes declare only their own errors (`responses=problems(409)`); the ones that follow from the
route's shape are added here for every operation: 401/403 where a key is needed, 404 where the path
names a thing, 422 where there are parameters or a body, 400 where there is a body (unparseable),
414/431 (URL or headers too long, app/limits.py) and 500 everywhere."""

from typing import Any

from fastapi import FastAPI

from app.errors import PROBLEM, Problem, status_title

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_EVERYWHERE = (414, 431, 500, 503)
_IMPLIED_TEXT = {
    400: "The body cannot be read (not JSON, not UTF-8), or the input is malformed",
    401: "No API key, or an unknown one (send Authorization: Bearer <key>)",
    403: "The API key lacks the scope this operation needs",
    404: "No such thing in this workspace (also for ids outside 1..2^31-1)",
    414: "The URL is too long",
    422: "Invalid request: each error names its location (body.name, query.to, path.source_id)",
    431: "The request headers are too large",
    500: "The server failed; the error was logged",
    503: "SQLite only: the database is busy with another process's write; retry after Retry-After seconds",
}
# FastAPI's own 422 schemas, replaced by Problem.
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def problems(*statuses: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """The errors a route gives beyond those its shape implies (see the module's docstring);
    `descriptions` may say more, by status: problems(409, e409="a source of that name exists")."""
    return {status: {"description": descriptions.get(f"e{status}") or status_title(status)} for status in statuses}


def _implied(path: str, operation: dict) -> set[int]:
    statuses = set(_EVERYWHERE)
    if operation.get("security"):
        statuses |= {401, 403}
    if "{" in path:
        statuses.add(404)
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.add(422)
    if operation.get("requestBody"):
        statuses.add(400)
    return statuses


def _problem_response(status: int, declared: dict | None) -> dict:
    description = (declared or {}).get("description")
    if not description or description == "Validation Error":  # FastAPI's own 422
        description = _IMPLIED_TEXT.get(status) or status_title(status)
    response: dict[str, Any] = {"description": description, "content": {PROBLEM: {"schema": _PROBLEM_REF}}}
    if status == 401:
        response["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}}
    return response


def _document_errors(operation: dict, path: str) -> None:
    responses = operation.setdefault("responses", {})
    declared = {int(code) for code in responses if str(code).isdigit() and int(code) >= 400}
    for status in sorted(declared | _implied(path, operation)):
        responses[str(status)] = _problem_response(status, responses.get(str(status)))
    operation["responses"] = dict(sorted(responses.items()))


def _add_problem_schemas(schema: dict) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_VALIDATION:
        components.pop(name, None)
    generated = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(generated.pop("$defs", {}))
    components["Problem"] = generated


def install_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` return the document with its errors documented."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for path, operations in schema.get("paths", {}).items():
                for operation in operations.values():
                    _document_errors(operation, path)
            _add_problem_schemas(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
