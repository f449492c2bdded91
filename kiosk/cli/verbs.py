"""The `kanta` verbs: the module under ``kiosk.cli`` that registers each, and its one-line help.

`kanta` imports only the module of the verb it runs, so a till's script calling
`kanta counter purchase` per sale, or `kanta --version`, does not load the whole app;
`kanta --help` lists every verb from this table without importing any of them. Each
module's ``register(subparsers)`` adds its verbs with ``help=help_for(verb)``.
"""

from __future__ import annotations

VERBS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "the kiosk in a window with simulated hardware and demo members (try this first)"),
    "kiosk": ("kiosk", "run the kiosk's touchscreen app (fullscreen, configured hardware)"),
    "staff": ("staff", "the kiosk's staff: add, list, remove, set a role, change a PIN"),
    "tap": ("tap", "record a visit for a card; exits 0 only once the visit is on disk"),
    "scan": ("counter", "a scanned code, handled as at the counter (card: a visit; coupon, gift code)"),
    "counter": (
        "counter",
        "staff actions at the counter: purchase, redeem, top-up, pay, pass, subscribe, ...",
    ),
    "member": ("member", "show a member's state or history by card"),
    "store": ("store", "inspect and repair the kiosk's local store"),
    "hw": ("hw", "hardware diagnostics for installers: list devices, watch taps and scans"),
    "sim": ("sim", "tap a card or scan a code on a running kiosk's simulated devices"),
    "simulate": ("simulate", "replay an activity CSV through a program file and report what it costs"),
    "status": (
        "status",
        "the kiosk's health: app, reader, scanner, store, sync, disk, clock (exit status 1 when "
        "something needs attention)",
    ),
    "server": ("server", "run the shop's sync server (and create shops, owner logins and kiosk tokens)"),
    "sync": ("sync", "sync this kiosk with the shop's server (a separate process from the kiosk)"),
    "backup": ("backup", "back up the shop's ledger to one file, check it, restore a kiosk from it"),
}

#: the modules under kiosk.cli that register verbs
COMMAND_MODULES = tuple(dict.fromkeys(module for module, _ in VERBS.values()))

#: global options that take a value (skipped when looking for the verb)
_VALUE_OPTIONS = ("--data", "--config")


def help_for(verb: str) -> str:
    return VERBS[verb][1]


def requested_verb(argv: list[str]) -> str | None:
    """The verb in a `kanta` command line: the first word that is not an option."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--":
            return None
        elif arg in _VALUE_OPTIONS:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None
