"""The HTTP API (v1): FastAPI over :mod:`sync.server.store`.

Kiosks authenticate with ``Authorization: Bearer <token>``; owners with HTTP Basic
(email:password). Every error is JSON ``{"detail": ...}``; bad input is a 4xx, never a
5xx. Request bodies are read by hand so their size is bounded before parsing (and may be
gzip-compressed); their schemas are still in the OpenAPI description.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import threading
import zlib
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPBasic, HTTPBearer
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from sync.server import db, store
from sync.server.store import MAX_BYTES, MAX_EVENTS, MAX_PULL, ApiError, KioskAuth, OwnerAuth

API = "/api/v1"
MAX_SMALL_BODY = 512 * 1024
#: pushes parsed and validated at once in one process (more only contend for the GIL)
CPU_SLOTS = 2


# ---- request bodies (schemas for validation and for the OpenAPI description) ---------


class HeartbeatBody(BaseModel):
    pending: int = Field(0, ge=0, le=2**62, description="events not yet pushed")
    hardware: dict[str, Any] = Field(default_factory=dict, description="reader, scanner, ... status")
    status: dict[str, Any] = Field(default_factory=dict, description="free-form kiosk status")


class ProgramBody(BaseModel):
    toml: str = Field(description="the program definition, TOML")


EVENTS_BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["events"],
    "properties": {
        "events": {
            "type": "array",
            "maxItems": MAX_EVENTS,
            "description": "events in kiosk.domain.events.Event.to_dict() form",
            "items": {
                "type": "object",
                "required": [
                    "id",
                    "kind",
                    "member",
                    "kiosk",
                    "seq",
                    "hlc",
                    "wall",
                    "boot",
                    "prev",
                    "program",
                ],
                "properties": {
                    "id": {"type": "string"},
                    "kind": {"type": "string"},
                    "member": {"type": "string"},
                    "kiosk": {"type": "string"},
                    "seq": {"type": "integer", "minimum": 1},
                    "hlc": {"type": "string"},
                    "wall": {"type": "string"},
                    "boot": {"type": "string"},
                    "prev": {"type": "string"},
                    "program": {"type": "string"},
                    "postings": {"type": "array", "items": {"type": "array"}},
                    "data": {"type": "object"},
                    "card": {"type": "string"},
                    "actor": {"type": "string"},
                    "reverses": {"type": "string"},
                    "hash": {"type": "string"},
                },
            },
        }
    },
}


def _body_extra(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _pydantic_errors(exc: ValidationError | RequestValidationError, prefix: str = "") -> JSONResponse:
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    loc = [str(x) for x in first.get("loc", ()) if x not in ("body",)]
    fld = ".".join(loc) or prefix or "body"
    return JSONResponse({"detail": f"{fld}: {first.get('msg', 'invalid')}", "field": fld}, status_code=422)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, gunzipped if it says so; 413 past ``limit`` bytes (either form)."""
    too_large = ApiError(413, "request too large", max_bytes=limit)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    raw = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding != "gzip":
        raise ApiError(415, f"unsupported Content-Encoding {encoding!r} (use gzip)")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, limit + 1)
    except zlib.error:
        raise ApiError(400, "the gzip body is damaged") from None
    if len(out) > limit:
        raise too_large
    if not inflater.eof:
        raise ApiError(400, "the gzip body is truncated")
    return out


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(400, "the body is not JSON") from None


# ---- authentication ------------------------------------------------------------------


class _DocBearer(HTTPBearer):
    """Declares the kiosk scheme in OpenAPI; the header is parsed by ``kiosk_auth``."""

    async def __call__(self, request: Request) -> None:  # type: ignore[override]
        return None


class _DocBasic(HTTPBasic):
    """Declares the owner scheme in OpenAPI; the header is parsed by ``owner_auth``."""

    async def __call__(self, request: Request) -> None:  # type: ignore[override]
        return None


_bearer_doc = _DocBearer(scheme_name="kioskToken", description="a kiosk's pairing token")
_basic_doc = _DocBasic(scheme_name="ownerLogin", description="owner email and password")


def _unauthorized(detail: str, scheme: str) -> ApiError:
    return ApiError(401, detail, _headers={"WWW-Authenticate": scheme})


def _credentials(request: Request, scheme: str) -> str | None:
    header = request.headers.get("authorization", "")
    kind, _, value = header.partition(" ")
    if kind.lower() != scheme.lower():
        return None
    return value.strip() or None


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _kiosk_from(request: Request) -> KioskAuth | None:
    token = _credentials(request, "Bearer")
    if token is None or len(token) > 200 or "\x00" in token:
        return None
    return store.kiosk_for_token(_engine(request), token)


def _owner_from(request: Request) -> OwnerAuth | None:
    value = _credentials(request, "Basic")
    if value is None or len(value) > 2000:
        return None
    try:
        email, sep, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not sep or "\x00" in email or "\x00" in password or len(email) > 320:
        return None
    return store.owner_login(_engine(request), email, password)


def kiosk_auth(request: Request, _doc: Annotated[None, Depends(_bearer_doc)]) -> KioskAuth:
    kiosk = _kiosk_from(request)
    if kiosk is None:
        raise _unauthorized("a valid kiosk token is needed (Authorization: Bearer ...)", "Bearer")
    return kiosk


def owner_auth(request: Request, _doc: Annotated[None, Depends(_basic_doc)]) -> OwnerAuth:
    owner = _owner_from(request)
    if owner is None:
        raise _unauthorized("owner email and password are needed (HTTP Basic)", 'Basic realm="kanta"')
    return owner


def shop_auth(
    request: Request,
    _doc1: Annotated[None, Depends(_bearer_doc)],
    _doc2: Annotated[None, Depends(_basic_doc)],
) -> int:
    """Kiosk or owner: returns the shop id."""
    kiosk = _kiosk_from(request)
    if kiosk is not None:
        return kiosk.shop_id
    owner = _owner_from(request)
    if owner is not None:
        return owner.shop_id
    raise _unauthorized("a kiosk token or the owner login is needed", "Bearer")


KioskDep = Annotated[KioskAuth, Depends(kiosk_auth)]
OwnerDep = Annotated[OwnerAuth, Depends(owner_auth)]
After = Annotated[int, Query(ge=0, le=2**62, description="return events with a cursor above this")]
Limit = Annotated[int, Query(ge=1, le=MAX_PULL, description="at most this many events")]


# ---- the app -------------------------------------------------------------------------


def create_app(db_url: str, *, migrate: bool = True) -> FastAPI:
    """The server app over ``db_url``; migrates the schema first unless told not to."""
    engine = db.make_engine(db_url)
    if migrate:
        db.migrate(engine)
    app = FastAPI(
        title="Kanta sync server",
        version="1",
        description="Kiosks push and pull their shop's events; owners manage program, kiosks and backups.",
    )
    app.state.engine = engine
    cpu_slots = threading.BoundedSemaphore(CPU_SLOTS)
    # level 4: most of the gain on JSON for a fraction of level 9's CPU (pulls run to megabytes)
    app.add_middleware(GZipMiddleware, minimum_size=4096, compresslevel=4)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        extra = dict(exc.extra)
        headers = extra.pop("_headers", None)
        return JSONResponse({"detail": exc.detail, **extra}, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return _pydantic_errors(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, bool]:
        return {"ok": True}

    @app.post(
        f"{API}/events",
        tags=["kiosk"],
        openapi_extra=_body_extra(EVENTS_BODY_SCHEMA),
        responses={
            413: {"description": "batch too large (max_events, max_bytes)"},
            422: {"description": "a malformed event (field, index)"},
            409: {"description": "an event id already stored with other content"},
        },
    )
    async def push_events(request: Request, kiosk: KioskDep) -> dict[str, int]:
        """Push a batch of the kiosk's events; idempotent by event id."""
        raw = await read_body(request, MAX_BYTES)

        def work() -> store.PushResult:
            # parsing and validating are CPU work: off the event loop, like the database, and
            # a few at a time, so twenty busy threads don't keep the loop from the GIL
            with cpu_slots:
                body = parse_json(raw)
                if not isinstance(body, dict) or "events" not in body:
                    raise ApiError(422, "the body must be an object with 'events'", field="events")
                raw_events = body["events"]
                if isinstance(raw_events, list) and len(raw_events) > MAX_EVENTS:
                    raise ApiError(413, "batch too large", max_events=MAX_EVENTS, max_bytes=MAX_BYTES)
                incoming = store.validate_batch(raw_events)
            return store.push_events(_engine(request), kiosk, incoming)

        result = await run_in_threadpool(work)
        return {"stored": result.stored, "duplicates": result.duplicates, "cursor": result.cursor}

    @app.get(f"{API}/events", tags=["kiosk"])
    def pull_events(kiosk: KioskDep, after: After = 0, limit: Limit = 1000) -> Response:
        """The shop's events after a cursor, in cursor order (all kiosks, the caller's own too)."""
        return Response(
            store.pull_events_json(engine, kiosk.shop_id, after, limit), media_type="application/json"
        )

    @app.get(f"{API}/backup/events", tags=["owner"])
    def backup_events(owner: OwnerDep, after: After = 0, limit: Limit = 1000) -> Response:
        """The same as pull, for the owner's backup tool."""
        return Response(
            store.pull_events_json(engine, owner.shop_id, after, limit), media_type="application/json"
        )

    @app.get(f"{API}/program", tags=["kiosk", "owner"])
    def get_program(shop_id: Annotated[int, Depends(shop_auth)]) -> dict[str, str]:
        """The current program definition."""
        return store.get_program(engine, shop_id)

    @app.put(f"{API}/program", tags=["owner"], openapi_extra=_body_extra(ProgramBody.model_json_schema()))
    async def put_program(request: Request, owner: OwnerDep) -> dict[str, str]:
        """Store a new program version; every kiosk gets it at its next sync."""
        raw = await read_body(request, store.MAX_PROGRAM_BYTES + 4096)
        try:
            body = ProgramBody.model_validate(parse_json(raw))
        except ValidationError as exc:
            raise ApiError(422, f"toml: {exc.errors()[0]['msg']}", field="toml") from None
        version = await run_in_threadpool(store.put_program, engine, owner, body.toml)
        return {"version": version}

    @app.post(
        f"{API}/heartbeat", tags=["kiosk"], openapi_extra=_body_extra(HeartbeatBody.model_json_schema())
    )
    async def heartbeat(request: Request, kiosk: KioskDep) -> dict[str, str]:
        """The kiosk is alive: pending count and hardware status."""
        raw = await read_body(request, MAX_SMALL_BODY)
        try:
            body = HeartbeatBody.model_validate(parse_json(raw))
        except ValidationError as exc:
            errs = exc.errors()
            fld = ".".join(str(x) for x in errs[0]["loc"]) or "body"
            raise ApiError(422, f"{fld}: {errs[0]['msg']}", field=fld) from None
        await run_in_threadpool(store.heartbeat, engine, kiosk, body.model_dump())
        return {"server_time": datetime.now(UTC).isoformat(timespec="milliseconds")}

    @app.get(f"{API}/kiosks", tags=["owner"])
    def list_kiosks(owner: OwnerDep) -> dict[str, list[dict[str, Any]]]:
        """The shop's kiosks: last seen, pending events, revoked."""
        return {"kiosks": store.list_kiosks(engine, owner.shop_id)}

    @app.get(f"{API}/kiosks/{{name}}", tags=["owner"])
    def get_kiosk(name: str, owner: OwnerDep) -> dict[str, Any]:
        """One kiosk of the shop (404 for another shop's)."""
        _check_name(name)
        return store.get_kiosk(engine, owner.shop_id, name)

    @app.post(f"{API}/kiosks/{{name}}/revoke", tags=["owner"])
    def revoke_kiosk(name: str, owner: OwnerDep) -> dict[str, bool]:
        """Revoke a kiosk's token: it gets 401 from then on."""
        _check_name(name)
        store.revoke_kiosk(engine, owner.shop_id, name)
        return {"revoked": True}

    @app.get(f"{API}/flags", tags=["owner"])
    def flags(owner: OwnerDep) -> dict[str, list[dict[str, Any]]]:
        """Members whose balance the shop's events overdraw (e.g. a reward redeemed twice offline)."""
        return {"flags": store.flags(engine, owner.shop_id)}

    return app


def _check_name(name: str) -> None:
    if "\x00" in name or len(name) > 200:
        raise ApiError(404, "no such kiosk in this shop")


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (and worker processes): the URL from KANTA_SERVER_DB."""
    url = os.environ.get("KANTA_SERVER_DB")
    if not url:
        raise RuntimeError("KANTA_SERVER_DB is not set")
    return create_app(url)
