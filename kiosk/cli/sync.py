"""`kanta sync pair|run|once|status`: the kiosk's sync worker and its state."""

from __future__ import annotations

import argparse
import logging
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from kiosk import notify
from kiosk.cli import common
from kiosk.cli.verbs import help_for
from kiosk.errors import SyncError

#: what `kanta sync run` prints once SIGTERM stops it cleanly
READY_LINE = "sync worker ready (SIGTERM or Ctrl-C stops it cleanly)"


def register(sub: Any) -> None:
    p = sub.add_parser(
        "sync",
        help=help_for("sync"),
        description="Push this kiosk's events to the shop's server and pull the other kiosks'. "
        "The kiosk itself never waits for the network; it imports pulled events when idle.",
    )
    verbs = p.add_subparsers(dest="sync_command", metavar="VERB", required=True)
    pair = verbs.add_parser("pair", help="store the server address and this kiosk's token")
    pair.add_argument("--server", required=True, metavar="URL", help="https://server[:port]")
    pair.add_argument("--token", required=True, help="the token `kanta server add-kiosk` printed")
    pair.add_argument("--ca-bundle", metavar="FILE", default="", help="PEM file of the shop's own CA")
    pair.add_argument("--no-check", action="store_true", help="don't contact the server now")
    pair.set_defaults(handler=sync_pair)
    run = verbs.add_parser("run", help="sync forever (the systemd service runs this)")
    run.add_argument("--interval", type=float, metavar="S", help="seconds between cycles")
    run.set_defaults(handler=sync_run)
    once = verbs.add_parser("once", help="one push and pull now; imports if the kiosk is not running")
    once.add_argument("--no-import", action="store_true", help="leave pulled events in the inbox")
    once.add_argument("--repull", action="store_true", help="pull every event again (duplicates are skipped)")
    once.add_argument("--json", action="store_true")
    once.set_defaults(handler=sync_once)
    status = verbs.add_parser("status", help="what was pushed, pulled and is waiting")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=sync_status)


def sync_pair(args: argparse.Namespace) -> int:
    from sync.client import Transport, check_server_url
    from sync.state import load_state, save_state

    data = common.data_dir(args)
    server = check_server_url(args.server)
    ca = str(Path(args.ca_bundle).resolve()) if args.ca_bundle else ""
    if ca and not Path(ca).is_file():
        raise SyncError(f"CA bundle {args.ca_bundle} not found")
    if not args.token.strip():
        raise SyncError("the token is empty")
    if not args.no_check:
        transport = Transport(server, token=args.token.strip(), ca_bundle=ca, attempts=1)
        transport.request("GET", "/healthz")
        transport.request("GET", "/api/v1/events", params={"after": 2**62, "limit": 1})  # the token works
    state = load_state(data)
    if state.server != server:
        state = replace(state, pull_cursor=0, pushed_seq=0, extra={})
    if state.pull_cursor == 0:
        # a kiosk restored from this server's backup needs only what came after it
        state = replace(state, pull_cursor=_restored_cursor(data, server))
    save_state(data, replace(state, server=server, token=args.token.strip(), ca_bundle=ca))
    if not args.no_check:
        _register_key(transport, data)
    print(f"paired with {server}" + ("" if args.no_check else " (server reached, token accepted)"))
    return 0


def _register_key(transport: Any, data: Path) -> None:
    """The kiosk's signing key, registered with the server at pairing (the server keeps
    the first key a token sends: see sync.server.heads). A store not made yet registers
    its key with its first sync."""
    from sync.client import head_body

    body = head_body(data, pushed=False)
    if body is not None:
        transport.request("POST", "/api/v1/heads", body=body, ok_404=True)


def _restored_cursor(data: Path, server: str) -> int:
    from kiosk.store.ledger import Ledger

    try:
        with Ledger.open(data, readonly=True) as ledger:
            restored = ledger.meta.get("restored_from") or {}
    except Exception:  # no store yet: nothing restored
        return 0
    cursor = restored.get("server_cursor")
    if restored.get("source") == server and isinstance(cursor, int) and cursor > 0:
        return cursor
    return 0


def _client(args: argparse.Namespace) -> Any:
    from sync.client import SyncClient, Transport
    from sync.state import load_state

    cfg = common.config(args)
    data = common.data_dir(args)
    state = load_state(data)
    transport = None
    if state.paired:
        transport = Transport(
            state.server, token=state.token, ca_bundle=state.ca_bundle or cfg.sync.ca_bundle
        )
    return SyncClient(data, transport=transport, batch_size=cfg.sync.batch_size, config=cfg), cfg


def sync_run(args: argparse.Namespace) -> int:
    from sync.client import install_stop_handlers

    logging.getLogger("sync").setLevel(logging.INFO)
    client, cfg = _client(args)
    stop = threading.Event()
    install_stop_handlers(stop)
    # from here SIGTERM ends it cleanly: say so (systemd's notify socket, and stdout for
    # whoever started it), so nobody has to guess when that is
    notify.ready()
    print(READY_LINE, flush=True)
    client.run(interval=args.interval or float(cfg.sync.interval_seconds), stop=stop)
    return 0


def sync_once(args: argparse.Namespace) -> int:
    client, _ = _client(args)
    if args.repull:
        client._save(pull_cursor=0)
    result = client.cycle(import_inbox=not args.no_import)
    info = {
        "pushed": result.pushed,
        "push_duplicates": result.push_duplicates,
        "pulled": result.pulled,
        "imported": result.imported,
        "inbox_files": _inbox_count(client.data_dir),
    }
    if args.json:
        common.print_json(info)
    else:
        print(
            f"pushed {result.pushed} events ({result.push_duplicates} the server already had), "
            f"pulled {result.pulled}, imported {result.imported}"
            + (f"; {info['inbox_files']} inbox file(s) wait for the kiosk" if info["inbox_files"] else "")
        )
    return 0


def _inbox_count(data: Path) -> int:
    from kiosk.store import inbox

    return inbox.pending_count(data)


def sync_status(args: argparse.Namespace) -> int:
    from kiosk.store.ledger import Ledger
    from kiosk.syncstatus import load_status
    from sync.state import load_state

    data = common.data_dir(args)
    state = load_state(data)
    status = load_status(data)
    info: dict[str, Any] = {
        "paired": state.paired,
        "server": state.server or None,
        "ca_bundle": state.ca_bundle or None,
        "pushed_seq": state.pushed_seq,
        "pull_cursor": state.pull_cursor,
        "inbox_files": _inbox_count(data),
        "last_ok": status.get("last_ok"),
        "last_attempt": status.get("last_attempt"),
        "last_error": status.get("last_error"),
        "last_resend": status.get("last_resend"),
    }
    try:
        with Ledger.open(data, readonly=True) as ledger:
            info["kiosk"] = ledger.meta.get("kiosk")
            info["pending"] = max(0, int(ledger.meta.get("seq", 0)) - state.pushed_seq)
            members = list(ledger.all_members())
            info["overdrawn_members"] = sum(1 for s in members if s.overdrawn)
            # single-use things two kiosks both allowed offline (kiosk.domain.member.Conflict)
            info["double_uses"] = sum(len(s.open_conflicts) for s in members)
    except SyncError:
        raise
    except Exception as exc:  # a status command shows what it can
        info["store_error"] = str(exc)
    if args.json:
        common.print_json(info)
    else:
        for key, value in info.items():
            print(f"{key:<18} {'-' if value is None else value}")
    return 0 if state.paired and not info.get("last_error") else 1
