"""``kanta backup pull``: a backup of the whole shop from its server (owner login)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sync.backup_format import BackupError, bulk_gc, loads_json
from sync.backup_write import BackupWriter
from sync.progress import Progress


def pull_from_server(
    server: str,
    email: str,
    password: str,
    dest_dir: Path,
    *,
    delimiter: str = ";",
    ca_bundle: str = "",
    progress: Progress | None = None,
    page_size: int = 5000,
) -> Path:
    """A backup of the whole shop from its server (owner login)."""
    import requests

    from sync.transport import Transport, is_loopback

    transport = Transport(server, basic=(email, password), ca_bundle=ca_bundle)
    writer = BackupWriter(source=transport.base_url, delimiter=delimiter)
    cursor = 0
    path = "/api/v1/backup/events"
    # compressing megabytes of JSON costs the server more than sending them costs the
    # loopback; over a network it pays
    loopback = is_loopback(urlsplit(transport.base_url).hostname or "")
    headers = {"Accept-Encoding": "identity"} if loopback else {}

    def fetch(after: int) -> dict[str, Any]:
        params = {"after": after, "limit": page_size}
        page: Any = None
        try:
            response = transport.session.get(
                transport.base_url + path, params=params, headers=headers, timeout=transport.timeout
            )
            if response.status_code == 200:
                page = loads_json(response.content)  # a third of the cost of response.json()
        except (requests.RequestException, ValueError):
            page = None
        if page is None:
            # anything but a plain answer: the transport's retries and its error messages
            page = transport.request("GET", path, params=params)
        if not isinstance(page, dict) or not isinstance(page.get("events"), list):
            raise BackupError("the server's answer is not an event page")
        return page

    # the next page is fetched while this one is spooled: the server works meanwhile
    missing: list[tuple[int, int, int]] = []
    with ThreadPoolExecutor(max_workers=1) as pool, bulk_gc():
        try:
            pending = pool.submit(fetch, cursor)
            while True:
                page = pending.result()
                after, cursor = cursor, int(page.get("cursor", cursor))
                if cursor - after != len(page["events"]):  # the shop's cursors have no gaps
                    missing.append((after + 1, cursor, cursor - after - len(page["events"])))
                more = bool(page.get("more")) and bool(page["events"])
                if more:
                    pending = pool.submit(fetch, cursor)
                writer.add_many(page["events"])
                if progress is not None:
                    progress.advance(len(page["events"]))
                if not more:
                    break
        except BaseException:
            writer.close()
            raise
    if missing:
        writer.close()
        ranges = ", ".join(f"{n} of the events {a}..{b}" for a, b, n in missing[:5])
        raise BackupError(
            f"the server's cursor is {cursor} but {writer.count} events arrived ({ranges} missing by "
            "its cursors): the backup would not be whole, so none was written. Try again; if it "
            "repeats, the server's database needs a look."
        )
    writer.extra["server_cursor"] = cursor
    # the kiosks' registered keys and the signed heads the server kept (sync.server.heads)
    try:
        signed = transport.request("GET", "/api/v1/backup/heads", ok_404=True)
    except BaseException:
        writer.close()
        raise
    if isinstance(signed, dict):
        writer.extra.update({k: signed.get(k) for k in ("kiosk_keys", "signed_heads")})
    if progress is not None:
        progress.finish()
        progress = Progress("writing backup", writer.count, progress.stream)
    with bulk_gc():
        return writer.finish(dest_dir, progress=progress)
