"""HTTP to the shop's server: TLS rules, timeouts, gzip, retries with backoff and jitter,
the server's ``Retry-After`` honoured; the errors a sync can end in."""

from __future__ import annotations

import gzip
import ipaddress
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from kiosk.errors import SyncError

API = "/api/v1"
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0


class ServerRejected(SyncError):
    """The server refused a request for a reason a retry will not fix (4xx)."""

    def __init__(self, message: str, status: int, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class AuthRejected(ServerRejected):
    """The token or login was refused: pair the kiosk again."""


class ServerUnavailable(SyncError):
    """The server could not be reached or kept failing; try again later."""


def check_server_url(url: str) -> str:
    """Return the URL without a trailing slash; refuse plain HTTP except to loopback."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SyncError(f"{url!r} is not a server address: use https://host[:port]")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise SyncError(
            f"plain HTTP to {parts.hostname} is refused: events and tokens must travel over "
            "TLS. Use https:// (a shop's own CA can be configured with --ca-bundle); plain "
            "HTTP is allowed only to this machine (127.0.0.1, ::1, localhost)."
        )
    return url.strip().rstrip("/")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def backoff_delay(attempt: int, *, base: float = 1.0, cap: float = 300.0, rand: float = 1.0) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base·2^attempt)]."""
    return rand * min(cap, base * (2.0**attempt))


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, min(float(value), 3600.0))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, min((when - datetime.now(UTC)).total_seconds(), 3600.0))


@dataclass
class Transport:
    """HTTP to the shop's server with the kiosk's (or owner's) credentials."""

    base_url: str
    token: str = ""
    basic: tuple[str, str] | None = None
    ca_bundle: str = ""
    attempts: int = 4
    timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT)
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = random.random
    session: requests.Session = field(default_factory=requests.Session)
    #: Retry-After seconds the server last asked for (for the run loop's backoff)
    last_retry_after: float | None = None

    def __post_init__(self) -> None:
        self.base_url = check_server_url(self.base_url)
        if self.ca_bundle and not Path(self.ca_bundle).is_file():
            raise SyncError(f"CA bundle {self.ca_bundle} not found")
        # never False: a custom bundle adds trust, nothing turns verification off
        self.session.verify = self.ca_bundle or True
        self.session.trust_env = False
        self.session.headers["User-Agent"] = "kanta-sync/1"
        if self.token:
            self.session.headers["Authorization"] = f"Bearer {self.token}"
        if self.basic:
            self.session.auth = self.basic

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        ok_404: bool = False,
    ) -> Any:
        data = None
        headers = {}
        if body is not None:
            raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            data = gzip.compress(raw, compresslevel=1)
            headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        url = self.base_url + path
        last_error = "no attempt made"
        for attempt in range(self.attempts):
            wait: float | None = None
            try:
                response = self.session.request(
                    method, url, params=params, data=data, headers=headers, timeout=self.timeout
                )
            except requests.exceptions.SSLError as exc:
                raise SyncError(
                    f"TLS verification of {self.base_url} failed ({_short(exc)}): the server's "
                    "certificate is not trusted. If the shop uses its own CA, configure its "
                    "bundle (kanta sync pair --ca-bundle FILE)."
                ) from None
            except requests.exceptions.RequestException as exc:
                last_error = f"cannot reach {self.base_url} ({_short(exc)})"
            else:
                status = response.status_code
                if status == 404 and ok_404:
                    return None
                if 200 <= status < 300:
                    self.last_retry_after = None
                    return response.json() if response.content else {}
                detail = _detail(response)
                if status in (401, 403):
                    what = (
                        "check the login's email, password and role (the owner's login is needed)"
                        if self.basic
                        else "pair the kiosk again with `kanta sync pair`"
                    )
                    raise AuthRejected(
                        f"the server refused the credentials ({status}: {detail}); {what}", status
                    )
                if status in (408, 425, 429) or status >= 500:
                    wait = _retry_after(response)
                    self.last_retry_after = wait
                    last_error = f"{self.base_url} answered {status} ({detail})"
                else:
                    body_json = _json_or_none(response)
                    raise ServerRejected(
                        f"the server refused the request ({status}: {detail})", status, body_json
                    )
            if attempt + 1 < self.attempts:
                delay = wait if wait is not None else backoff_delay(attempt, rand=self.rand())
                self.sleep(delay)
        raise ServerUnavailable(last_error)


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 200 else text[:200] + "…"


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _detail(response: requests.Response) -> str:
    body = _json_or_none(response)
    if isinstance(body, dict) and "detail" in body:
        return str(body["detail"])
    return response.reason or "no detail"
