"""The JSON API: the same reads as the pages, for scripts and the htmx front end, and
its OpenAPI description (written by hand: five paths do not need a generator)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from amanat import __version__
from amanat.web.staff.pages import audit_search, field_text, find, parse_query, wants_unsafe
from amanat.web.staff.sessions import Session
from amanat.web.staff.state import staff

__all__ = ["openapi_document"]


NAME_IN_ADDRESS = (
    "A name is never put in an address: send a search by name as POST "
    "/api/persons/search with a JSON body."
)
MAX_BODY = 64 * 1024  # bytes of a search's JSON body
SEARCH_KEYS = (
    "name", "status", "county", "from", "to", "grade", "flagged", "un", "unsent", "urgent",
    "unsafe", "page",
)  # fmt: skip


async def _answer(request: Request, params: Mapping[str, str], name: str) -> Response:
    state = staff(request)
    session: Session = request.state.session
    query, page = parse_query(params, name)
    unsafe = wants_unsafe(params)
    result = await run_in_threadpool(find, state.reader(), query, unsafe)
    audit_search(state, session, query, page, unsafe=unsafe)
    return JSONResponse(
        {
            "total": result.total,
            "page": page,
            "persons": [dataclasses.asdict(p) for p in result.persons],
        }
    )


async def api_persons(request: Request) -> Response:
    """The filters in the address; a name never (browser history, proxy and server
    logs keep addresses): ``name=`` is refused with a pointer to the POST search."""
    params = request.query_params
    if "name" in params:
        return JSONResponse({"error": NAME_IN_ADDRESS}, status_code=400)
    return await _answer(request, {k: str(v) for k, v in params.items()}, "")


async def api_search(request: Request) -> Response:
    """``POST /api/persons/search``: the same filters and a name, as a JSON object."""
    body = b""
    async for piece in request.stream():
        body += piece
        if len(body) > MAX_BODY:
            return JSONResponse({"error": "The search is too long."}, status_code=413)
    try:
        doc = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return JSONResponse({"error": "Send the search as a JSON object."}, status_code=400)
    if not isinstance(doc, dict) or not set(doc) <= set(SEARCH_KEYS):
        known = ", ".join(SEARCH_KEYS)
        return JSONResponse(
            {"error": f"Send the search as a JSON object with some of: {known}."},
            status_code=400,
        )
    params: dict[str, str] = {}
    for key, value in doc.items():
        if isinstance(value, bool):
            params[key] = "1" if value else ""
        elif isinstance(value, int | str):
            params[key] = str(value)
        elif value is not None:
            return JSONResponse({"error": f"The {key} filter must be text."}, status_code=400)
    return await _answer(request, params, field_text(params, "name"))


async def api_person(request: Request) -> Response:
    state = staff(request)
    session: Session = request.state.session
    person_id = str(request.path_params["person_id"])[:80]
    detail = await run_in_threadpool(state.reader().person, person_id)
    state.audit.record("person.view", account=session.account, role=session.role, target=person_id)
    return JSONResponse(detail.to_json())


async def api_openapi(request: Request) -> Response:
    return JSONResponse(openapi_document())


def _filter(name: str, kind: str, text: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": kind},
            "description": text}  # fmt: skip


_ERROR = {"description": "an error, as one sentence", "content": {"application/json": {
    "schema": {"type": "object", "properties": {"error": {"type": "string"}}}}}}  # fmt: skip


_PAGE = {"description": "total, page and the persons on it (at most 50)", "content": {
    "application/json": {"schema": {"type": "object", "properties": {
        "total": {"type": "integer"}, "page": {"type": "integer"},
        "persons": {"type": "array", "items": {"type": "object"}}}}}}}  # fmt: skip
_SEARCH = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "description": "part of a name, in any script"},
        "status": {"type": "string", "description": "current status (detained, in_camp, …)"},
        "county": {"type": "string", "description": "a county or prefecture code"},
        "from": {"type": "string", "description": "a status event on or after (YYYY-MM-DD)"},
        "to": {"type": "string", "description": "a status event on or before (YYYY-MM-DD)"},
        "grade": {"type": "integer", "description": "evidence grade at least (0-4)"},
        "flagged": {"type": "boolean", "description": "only persons with disagreements"},
        "un": {
            "type": "boolean",
            "description": "only persons whose record holds all a UN working group case needs",
        },
        "unsent": {
            "type": "boolean",
            "description": "only persons whose case was never sent to the UN working group",
        },
        "urgent": {
            "type": "boolean",
            "description": "only persons detained or disappeared within the last three months, "
            "not released since (the UN working group's urgent action)",
        },
        "unsafe": {"type": "boolean", "description": "only persons not yet on enough mirrors"},
        "page": {"type": "integer", "description": "which page (1)"},
    },
}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Amanat staff API",
            "version": __version__,
            "description": "Reads of the desk's victims database. Sign in through /login "
            "first; the session cookie authenticates every call.",
        },
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "amanat_session"}
            }
        },
        "security": [{"session": []}],
        "paths": {
            "/api/persons": {
                "get": {
                    "summary": "Find persons (one page of 50) by filters other than a name",
                    "description": "A name is never accepted in the address (browser "
                    "history and logs keep addresses): `name=` is refused with 400; "
                    "search by name with POST /api/persons/search.",
                    "parameters": [
                        _filter("status", "string", "current status (detained, in_camp, …)"),
                        _filter("county", "string", "a county or prefecture code"),
                        _filter("from", "string", "a status event on or after (YYYY-MM-DD)"),
                        _filter("to", "string", "a status event on or before (YYYY-MM-DD)"),
                        _filter("grade", "integer", "evidence grade at least (0-4)"),
                        _filter("flagged", "integer", "1: only persons with disagreements"),
                        _filter("un", "integer", "1: only cases the UN working group can take"),
                        _filter(
                            "unsent",
                            "integer",
                            "1: only cases never sent to the UN working group",
                        ),
                        _filter(
                            "urgent",
                            "integer",
                            "1: only persons taken within the last three months",
                        ),
                        _filter("unsafe", "integer", "1: only persons not yet on enough mirrors"),
                        _filter("page", "integer", "which page (1)"),
                    ],
                    "responses": {
                        "200": _PAGE,
                        "400": _ERROR,
                        "401": _ERROR,
                        "403": _ERROR,
                    },
                }
            },
            "/api/persons/search": {
                "post": {
                    "summary": "Find persons by name and filters, sent as a JSON body",
                    "parameters": [_CSRF],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _SEARCH}},
                    },
                    "responses": {
                        "200": _PAGE,
                        "400": _ERROR,
                        "401": _ERROR,
                        "403": _ERROR,
                        "413": _ERROR,
                    },
                }
            },
            "/api/persons/{person_id}": {
                "get": {
                    "summary": "One person: names, claims with provenance, timeline (with "
                    "who is believed responsible), what the family has done, testimonies, "
                    "flags",
                    "parameters": [
                        {
                            "name": "person_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": {"description": "the person"},
                        "401": _ERROR,
                        "403": _ERROR,
                        "404": _ERROR,
                    },
                }
            },
            "/api/openapi.json": {
                "get": {"summary": "This description", "responses": {"200": {"description": ""}}}
            },
            **_upload_paths(),
        },
    }


_UPLOAD_ID = {"name": "upload_id", "in": "path", "required": True, "schema": {"type": "string"}}
_CSRF = {"name": "X-CSRF-Token", "in": "header", "required": True, "schema": {"type": "string"},
         "description": "the session's CSRF token (from any form of the app)"}  # fmt: skip


def _upload_paths() -> dict[str, Any]:
    """The intake wizard's uploads: a file sent in pieces, each sealed as it arrives."""
    offset = {"name": "Upload-Offset", "in": "header", "required": True,
              "schema": {"type": "integer"}, "description": "where this piece starts"}  # fmt: skip
    errors = {"400": _ERROR, "401": _ERROR, "403": _ERROR}
    return {
        "/api/uploads": {
            "post": {
                "summary": "Start a file: name, media_type and size (bytes), as JSON",
                "parameters": [_CSRF],
                "responses": {"201": {"description": "the upload's id"}, **errors},
            }
        },
        "/api/uploads/{upload_id}": {
            "get": {
                "summary": "How many bytes have arrived (where to resume)",
                "parameters": [_UPLOAD_ID],
                "responses": {"200": {"description": "received and size"}, "404": _ERROR},
            },
            "put": {
                "summary": "One piece, as the raw request body (at most 8 MiB)",
                "parameters": [_UPLOAD_ID, _CSRF, offset],
                "responses": {
                    "200": {"description": "received; complete when all bytes arrived"},
                    "404": _ERROR,
                    "409": _ERROR,
                    "413": _ERROR,
                    **errors,
                },
            },
            "delete": {
                "summary": "Give up the file; nothing of it is kept",
                "parameters": [_UPLOAD_ID, _CSRF],
                "responses": {"200": {"description": "aborted"}, "404": _ERROR},
            },
        },
    }
