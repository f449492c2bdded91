"""``POST /api/v1/events``, the server's hot path, answered without the framework's stack.

Twenty kiosks pushing at once must each be answered well within 100 ms by a small server.
Through FastAPI a push of 100 events cost more in dependency solving, middleware and
thread-pool hand-offs than in its own work; here the body is read, parsed and checked on
the event loop and stored by the group-commit thread (:mod:`sync.server.store`), whose
fsync runs without the GIL while the next bodies are parsed. The app still declares the
route (OpenAPI), and its handler is this same code.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sync.server import auth, store
from sync.server.bodies import error_response, parse_json, read_body
from sync.server.credentials import KIOSK_TOKEN_NEEDED, kiosk_token, unauthorized
from sync.server.errors import ApiError
from sync.server.store import MAX_BYTES, MAX_EVENTS, KioskAuth

PUSH_PATH = "/api/v1/events"

_log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def parse_batch(raw: bytes) -> list[store.Incoming]:
    """A push body's events, checked; 400/413/422 naming what is wrong."""
    body = parse_json(raw)
    if not isinstance(body, dict) or "events" not in body:
        raise ApiError(422, "the body must be an object with 'events'", field="events")
    raw_events = body["events"]
    if isinstance(raw_events, list) and len(raw_events) > MAX_EVENTS:
        raise ApiError(413, "batch too large", max_events=MAX_EVENTS, max_bytes=MAX_BYTES)
    # no backslash in the body: no escaped (control) character in any of its text
    return store.validate_batch(raw_events, plain_text=b"\\" not in raw)


def answer(result: store.PushResult) -> dict[str, int]:
    """What a push answers: stored, duplicates (already there), the shop's cursor."""
    return {"stored": result.stored, "duplicates": result.duplicates, "cursor": result.cursor}


class PushEndpoint:
    """The push route as a plain ASGI app over one database."""

    #: tokens remembered; past this the memory starts again (a shop has a handful of kiosks)
    MAX_TOKENS = 10_000

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # token hash -> its kiosk. Which kiosk and shop a token names never changes; whether it
        # is revoked is checked again inside every push's transaction, so a cached token that
        # has since been revoked (here or in another server process) still gets 401.
        self._kiosks: dict[str, KioskAuth] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response: Response
        try:
            result = await self.push(request)
        except ApiError as exc:
            response = error_response(exc)
        except Exception as exc:  # never a traceback to the kiosk, never event data in the log
            _log.error("push failed: %s", type(exc).__name__)
            response = JSONResponse({"detail": "internal server error"}, status_code=500)
        else:
            response = Response(orjson.dumps(answer(result)), media_type="application/json")
        await response(scope, receive, send)

    async def push(self, request: Request) -> store.PushResult:
        token = kiosk_token(request)
        if token is None:
            raise unauthorized(KIOSK_TOKEN_NEEDED, "Bearer")
        key = auth.token_hash(token)
        kiosk = self._kiosks.get(key)
        if kiosk is None:
            kiosk = await run_in_threadpool(store.kiosk_for_token, self.engine, token)
            if kiosk is None:
                raise unauthorized(KIOSK_TOKEN_NEEDED, "Bearer")
            if len(self._kiosks) >= self.MAX_TOKENS:
                self._kiosks.clear()
            self._kiosks[key] = kiosk
        incoming = parse_batch(await read_body(request, MAX_BYTES))
        try:
            return await asyncio.wrap_future(store.submit_push(self.engine, kiosk, incoming))
        except ApiError as exc:
            if exc.status == 401:  # revoked meanwhile: ask the database next time
                self._kiosks.pop(key, None)
            raise
