"""The HTTP API (v1): FastAPI over :mod:`sync.server.store`.

Kiosks authenticate with ``Authorization: Bearer <token>``; owners with HTTP Basic
(email:password). Every error is JSON ``{"detail": ...}``; bad input is a 4xx, never a
5xx. Request bodies are read by hand so their size is bounded before parsing (and may be
gzip-compressed); their schemas are still in the OpenAPI description.
"""

from __future__ import annotations

import gc
import os
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPBasic, HTTPBearer
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from sync.server import auth, blind_index, contact_handover, db, heads, store, web
from sync.server.bodies import check_shape, error_response, parse_json, read_body
from sync.server.credentials import KIOSK_TOKEN_NEEDED, kiosk_token, owner_login, unauthorized
from sync.server.errors import ApiError
from sync.server.handover_schema import MAX_BOX_ID
from sync.server.push import PUSH_PATH, PushEndpoint, Receive, Scope, Send, answer
from sync.server.store import MAX_EVENTS, MAX_PULL, KioskAuth, OwnerAuth
from sync.server.throttle import LoginThrottle, checked_login

API = "/api/v1"
MAX_SMALL_BODY = 512 * 1024


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


_Body = TypeVar("_Body", bound=BaseModel)


def _validated(model: type[_Body], raw: bytes) -> _Body:
    """A JSON request body checked for shape, then against ``model``: 422 naming the field."""
    parsed = parse_json(raw)
    check_shape(parsed)
    try:
        return model.model_validate(parsed)
    except ValidationError as exc:
        errs = exc.errors()
        fld = ".".join(str(x) for x in errs[0]["loc"]) or "body"
        raise ApiError(422, f"{fld}: {errs[0]['msg']}", field=fld) from None


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _kiosk_from(request: Request) -> KioskAuth | None:
    token = kiosk_token(request)
    return None if token is None else store.kiosk_for_token(_engine(request), token)


def _owner_from(request: Request) -> OwnerAuth | None:
    login = owner_login(request)
    if login is None:
        return None
    email, password = login
    address = request.client.host if request.client else "unknown"
    engine = _engine(request)
    try:
        throttle: LoginThrottle = request.app.state.login_throttle
        return checked_login(throttle, email, address, lambda: store.owner_login(engine, email, password))
    except auth.PasswordCheckBusy:
        busy = "too many logins at once: try again shortly"
        raise ApiError(503, busy, _headers={"Retry-After": "5"}) from None


def kiosk_auth(request: Request, _doc: Annotated[None, Depends(_bearer_doc)]) -> KioskAuth:
    kiosk = _kiosk_from(request)
    if kiosk is None:
        raise unauthorized(KIOSK_TOKEN_NEEDED, "Bearer")
    return kiosk


#: what a manager's login is told where the console would say "for the shop's owner"
OWNER_ONLY = (
    "this is for the shop's owner: a manager's login reads figures, members, flags and kiosks, "
    "as on the console, and changes nothing of the program, kiosks, staff or backups"
)


def login_auth(request: Request, _doc: Annotated[None, Depends(_basic_doc)]) -> OwnerAuth:
    """Any console login: the owner's or a manager's."""
    login = _owner_from(request)
    if login is None:
        raise unauthorized("owner email and password are needed (HTTP Basic)", 'Basic realm="kanta"')
    return login


def owner_auth(request: Request, _doc: Annotated[None, Depends(_basic_doc)]) -> OwnerAuth:
    """The owner's login: a manager's is 403, as the console refuses the owner's pages."""
    login = login_auth(request, _doc)
    if not login.is_owner:
        raise ApiError(403, OWNER_ONLY, role=login.role)
    return login


def shop_auth(
    request: Request,
    _doc1: Annotated[None, Depends(_bearer_doc)],
    _doc2: Annotated[None, Depends(_basic_doc)],
) -> int:
    """Kiosk or owner: returns the shop id (a manager's login is 403)."""
    kiosk = _kiosk_from(request)
    if kiosk is not None:
        return kiosk.shop_id
    owner = _owner_from(request)
    if owner is not None:
        if not owner.is_owner:
            raise ApiError(403, OWNER_ONLY, role=owner.role)
        return owner.shop_id
    raise unauthorized("a kiosk token or the owner login is needed", "Bearer")


KioskDep = Annotated[KioskAuth, Depends(kiosk_auth)]
OwnerDep = Annotated[OwnerAuth, Depends(owner_auth)]
LoginDep = Annotated[OwnerAuth, Depends(login_auth)]
After = Annotated[int, Query(ge=0, le=2**62, description="return events with a cursor above this")]
Limit = Annotated[int, Query(ge=1, le=MAX_PULL, description="at most this many events")]
BoxAfter = Annotated[int, Query(ge=0, le=MAX_BOX_ID, description="return boxes with an id above this")]


# ---- the app -------------------------------------------------------------------------


class _KantaApi(FastAPI):
    """FastAPI, with pushes answered before the framework's stack (see :mod:`sync.server.push`)."""

    def __init__(self, push: PushEndpoint, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.push = push

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == PUSH_PATH and scope["method"] == "POST":
            await self.push(scope, receive, send)
            return
        await super().__call__(scope, receive, send)



def create_app(db_url: str, *, migrate: bool = True) -> FastAPI:
    """The server app over ``db_url``; migrates the schema first unless told not to."""
    engine = db.make_engine(db_url)
    if migrate:
        db.migrate(engine)
    app = _KantaApi(
        PushEndpoint(engine),
        title="Kanta sync server",
        version="1",
        description="Kiosks push and pull their shop's events; owners manage program, kiosks and backups.",
        # no /docs or /redoc: their pages load scripts from the internet, blank on a shop's
        # LAN without it; the description stays at /openapi.json
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.login_throttle = LoginThrottle()
    # level 4: most of the gain on JSON for a fraction of level 9's CPU (pulls run to megabytes)
    app.add_middleware(GZipMiddleware, minimum_size=4096, compresslevel=4)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc)

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
        PUSH_PATH,
        tags=["kiosk"],
        dependencies=[Depends(_bearer_doc)],
        openapi_extra=_body_extra(EVENTS_BODY_SCHEMA),
        responses={
            413: {"description": "batch too large (max_events, max_bytes)"},
            422: {"description": "a malformed event (field, index)"},
            409: {"description": "an event id already stored with other content"},
        },
    )
    async def push_events(request: Request) -> dict[str, int]:
        """Push a batch of the kiosk's events; idempotent by event id."""
        # (requests are answered by app.push before reaching here; this serves the same way)
        return answer(await app.push.push(request))

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
        parsed = parse_json(raw)
        check_shape(parsed)
        try:
            body = HeartbeatBody.model_validate(parsed)
        except ValidationError as exc:
            errs = exc.errors()
            fld = ".".join(str(x) for x in errs[0]["loc"]) or "body"
            raise ApiError(422, f"{fld}: {errs[0]['msg']}", field=fld) from None
        await run_in_threadpool(store.heartbeat, engine, kiosk, body.model_dump())
        return {"server_time": datetime.now(UTC).isoformat(timespec="milliseconds")}

    @app.post(
        f"{API}/heads", tags=["kiosk"], openapi_extra=_body_extra(heads.HeadsBody.model_json_schema())
    )
    async def post_heads(request: Request, kiosk: KioskDep) -> dict[str, int]:
        """Register the kiosk's signing key (at pairing; another key later is refused) and
        keep its signed chain heads (sync.server.heads)."""
        body = _validated(heads.HeadsBody, await read_body(request, MAX_SMALL_BODY))
        return await run_in_threadpool(heads.record, engine, kiosk, body)

    @app.get(f"{API}/heads", tags=["kiosk"])
    def get_heads(kiosk: KioskDep) -> dict[str, Any]:
        """The key registered for this kiosk and the newest signed heads kept from it, for
        its `kanta store verify` (sync.server.heads.kept_for_kiosk)."""
        return heads.kept_for_kiosk(engine, kiosk)

    @app.get(f"{API}/search-key", tags=["kiosk"])
    def get_search_key(kiosk: KioskDep) -> dict[str, str]:
        """The shop's key for the phone / e-mail blind index (sync.server.blind_index)."""
        return {"key": blind_index.shop_key(engine, kiosk.shop_id).hex()}

    @app.put(
        f"{API}/member-search",
        tags=["kiosk"],
        openapi_extra=_body_extra(blind_index.SearchBody.model_json_schema()),
    )
    async def put_member_search(request: Request, kiosk: KioskDep) -> dict[str, int]:
        """Replace this kiosk's blind index entries: digests of its members' phone numbers
        and e-mails, never the values (sync.server.blind_index)."""
        body = _validated(blind_index.SearchBody, await read_body(request, blind_index.MAX_BODY))
        return await run_in_threadpool(blind_index.replace_for_kiosk, engine, kiosk, body)

    @app.put(
        f"{API}/contact-key",
        tags=["kiosk"],
        openapi_extra=_body_extra(contact_handover.KeyBody.model_json_schema()),
    )
    async def put_contact_key(request: Request, kiosk: KioskDep) -> dict[str, bool]:
        """The kiosk's public key that imported contact details are sealed to
        (sync.server.contact_handover)."""
        body = _validated(contact_handover.KeyBody, await read_body(request, MAX_SMALL_BODY))
        return await run_in_threadpool(contact_handover.register_key, engine, kiosk, body)

    @app.get(f"{API}/contact-handover", tags=["kiosk"])
    def get_contact_handover(kiosk: KioskDep, after: BoxAfter = 0) -> dict[str, Any]:
        """Imported contact details queued for this kiosk after box ``after``, each sealed
        to its key."""
        return contact_handover.take(engine, kiosk, after)

    @app.post(
        f"{API}/contact-handover",
        tags=["kiosk"],
        openapi_extra=_body_extra(contact_handover.AckBody.model_json_schema()),
    )
    async def ack_contact_handover(request: Request, kiosk: KioskDep) -> dict[str, int]:
        """Which boxes the kiosk kept and which it could not (with why): their boxes go."""
        body = _validated(contact_handover.AckBody, await read_body(request, contact_handover.MAX_BODY))
        return await run_in_threadpool(contact_handover.acknowledge, engine, kiosk, body)

    @app.get(f"{API}/backup/heads", tags=["owner"])
    def backup_heads(owner: OwnerDep) -> dict[str, Any]:
        """The kiosks' registered keys and the signed chain heads, for the owner's backups."""
        return heads.for_backup(engine, owner.shop_id)

    @app.get(f"{API}/kiosks", tags=["owner"])
    def list_kiosks(owner: LoginDep) -> dict[str, list[dict[str, Any]]]:
        """The shop's kiosks: last seen, pending events, revoked."""
        return {"kiosks": store.list_kiosks(engine, owner.shop_id)}

    @app.get(f"{API}/kiosks/{{name}}", tags=["owner"])
    def get_kiosk(name: str, owner: LoginDep) -> dict[str, Any]:
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
    def flags(owner: LoginDep) -> dict[str, list[dict[str, Any]]]:
        """Members whose balance the shop's events overdraw (e.g. a reward redeemed twice offline)."""
        return {"flags": store.flags(engine, owner.shop_id)}

    web.install(app, engine)
    return app


def _check_name(name: str) -> None:
    if "\x00" in name or len(name) > 200:
        raise ApiError(404, "no such kiosk in this shop")


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (and worker processes): the URL from KANTA_SERVER_DB."""
    url = os.environ.get("KANTA_SERVER_DB")
    if not url:
        raise RuntimeError("KANTA_SERVER_DB is not set")
    app = create_app(url)
    # what is loaded now lives as long as the process: keep the collector from walking it
    # again and again while pushes allocate (its full passes stalled every request in flight)
    gc.collect()
    gc.freeze()
    return app
