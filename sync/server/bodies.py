"""Bodies: requests bounded in size before they are parsed, gunzipped, read as JSON; and
the JSON body every refusal gets."""

from __future__ import annotations

import json
import math
import zlib
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse

from sync.server.errors import ApiError


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


#: the deepest a small body (heartbeat, program) may nest, and its longest text
MAX_DEPTH = 8
MAX_TEXT = 4096
MAX_NUMBER = 2**53


def check_shape(value: Any, where: str = "body", max_depth: int = MAX_DEPTH) -> None:
    """422 naming the place unless ``value`` (parsed JSON) nests at most ``max_depth`` levels,
    holds text of at most MAX_TEXT characters without NUL or lone surrogates, and numbers
    within ±2**53 (finite): what can be stored and later answered as JSON to anyone."""
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > max_depth:
            raise ApiError(422, f"{path}: nested deeper than {max_depth} levels", field=path)
        if isinstance(item, dict):
            for key, inner in item.items():
                _check_text(key, path)
                stack.append((inner, f"{path}.{key}" if len(path) < 200 else path, depth + 1))
        elif isinstance(item, list):
            for i, inner in enumerate(item):
                stack.append((inner, f"{path}[{i}]" if len(path) < 200 else path, depth + 1))
        elif isinstance(item, str):
            _check_text(item, path)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int | float) and not (math.isfinite(item) and abs(item) <= MAX_NUMBER):
            raise ApiError(422, f"{path}: a finite number within ±{MAX_NUMBER}", field=path)


def _check_text(text: str, path: str) -> None:
    if len(text) > MAX_TEXT or "\x00" in text:
        raise ApiError(422, f"{path}: text of at most {MAX_TEXT} characters, no NUL", field=path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(422, f"{path}: not valid text (a lone surrogate)", field=path) from None


def error_response(exc: ApiError) -> JSONResponse:
    """``{"detail": ..., **extra}`` with the refusal's status (and headers, such as 401's)."""
    extra = dict(exc.extra)
    headers = extra.pop("_headers", None)
    return JSONResponse({"detail": exc.detail, **extra}, status_code=exc.status, headers=headers)
