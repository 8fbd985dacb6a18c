"""The JSON API: the same reads as the pages, for scripts and the htmx front end, and
its OpenAPI description (written by hand: five paths do not need a generator)."""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from amanat import __version__
from amanat.web.staff.pages import audit_search, field_text, parse_query
from amanat.web.staff.sessions import Session
from amanat.web.staff.state import staff

__all__ = ["openapi_document"]


async def api_persons(request: Request) -> Response:
    state = staff(request)
    session: Session = request.state.session
    params = request.query_params
    # A script's search names its terms in the query; the pages never do (see pages).
    query, page = parse_query(params, field_text(params, "name"))
    result = await run_in_threadpool(state.reader().search, query)
    audit_search(state, session, query, page)
    return JSONResponse(
        {
            "total": result.total,
            "page": page,
            "persons": [dataclasses.asdict(p) for p in result.persons],
        }
    )


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
                    "summary": "Find persons (one page of 50)",
                    "parameters": [
                        _filter("name", "string", "part of a name, in any script"),
                        _filter("status", "string", "current status (detained, in_camp, …)"),
                        _filter("county", "string", "a county or prefecture code"),
                        _filter("grade", "integer", "evidence grade at least (0-4)"),
                        _filter("page", "integer", "which page (1)"),
                    ],
                    "responses": {
                        "200": {"description": "total, page and the persons on it"},
                        "400": _ERROR,
                        "401": _ERROR,
                        "403": _ERROR,
                    },
                }
            },
            "/api/persons/{person_id}": {
                "get": {
                    "summary": "One person: names, claims with provenance, timeline, "
                    "testimonies, flags",
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
