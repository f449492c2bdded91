"""Bodies: requests bounded in size before they are parsed, gunzipped, read as JSON; and
the JSON body every refusal gets."""

from __future__ import annotations

import json
import zlib
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse

from sync.server.store import ApiError


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
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass  # what orjson refuses but JSON allows (NaN, huge numbers, lone surrogates, deep nesting)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(400, "the body is not JSON") from None


def error_response(exc: ApiError) -> JSONResponse:
    """``{"detail": ..., **extra}`` with the refusal's status (and headers, such as 401's)."""
    extra = dict(exc.extra)
    headers = extra.pop("_headers", None)
    return JSONResponse({"detail": exc.detail, **extra}, status_code=exc.status, headers=headers)
