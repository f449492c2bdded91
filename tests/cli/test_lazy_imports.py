"""`kanta` imports only what the verb it runs uses: `--version` and `--help` load no verb,
a counter purchase loads no GUI toolkit, web server or HTTP client, and no module under
kiosk imports another in a cycle (function-local imports included)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.process import REPO

PROBE = """
import sys
from kiosk.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("kiosk", "hardware", "sync", "kivy",
    "fastapi", "starlette", "requests", "tinydb", "cryptography", "uvicorn", "psycopg", "jinja2"))
print("LOADED", " ".join(loaded))
"""


def loaded_by(*argv: str, data: Path, env: dict[str, str] | None = None) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "--data", str(data), *argv],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        env=env,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("LOADED"))
    return set(line.split()[1:])


def test_version_and_help_load_no_verb(tmp_path: Path) -> None:
    for argv in (["--version"], ["--help"]):
        loaded = loaded_by(*argv, data=tmp_path)
        # the command line itself, its errors, and the logging every process sets up
        allowed = {"kiosk", "kiosk.cli", "kiosk.cli.main", "kiosk.cli.verbs", "kiosk.errors", "kiosk.logs"}
        allowed.add("kiosk.cli.process")  # how the process ends (standard library only)
        allowed.add("kiosk.texts")  # the errors' translatable messages (standard library only)
        assert loaded <= allowed | {"hardware", "hardware.events"}, loaded


#: what a sale under the built-in rule has no use for: the program engine and its spec
#: (loaded with a program file), the contact details' cipher and the key file formats
PROGRAM_ONLY = {f"kiosk.domain.programs.{m}" for m in ("engine", "spec", "view")}
UNUSED_CRYPTO = {f"cryptography.hazmat.primitives.{m}" for m in ("ciphers.aead", "serialization")}


def test_a_sale_under_the_built_in_rule_loads_no_engine_or_cipher(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "KANTA_PROGRAM"}
    loaded_by("tap", "04A1B2C3D4E5F6", data=tmp_path, env=env)  # a member, so the sale is recorded
    loaded = loaded_by("counter", "purchase", "04A1B2C3D4E5F6", "12.50", data=tmp_path, env=env)
    assert "kiosk.services.counter" in loaded and "kiosk.store.ledger" in loaded
    assert not loaded & (PROGRAM_ONLY | UNUSED_CRYPTO), loaded & (PROGRAM_ONLY | UNUSED_CRYPTO)
    # with a program file the same command does load the engine (so the probe sees it)
    program = {**env, "KANTA_PROGRAM": str(REPO / "config" / "programs" / "stamp_card.toml")}
    with_program = loaded_by("counter", "purchase", "04A1B2C3D4E5F6", "1", data=tmp_path / "p", env=program)
    assert {"kiosk.domain.programs.engine", "kiosk.domain.programs.spec"} <= with_program


@pytest.mark.parametrize(
    "argv",
    [
        ["counter", "purchase", "04A1B2C3D4E5F6", "12.50"],
        ["tap", "04A1B2C3D4E5F6"],
        ["scan", "6411300000000"],
        ["staff", "list"],
    ],
)
def test_counter_verbs_load_no_screen_server_or_http_client(argv: list[str], tmp_path: Path) -> None:
    loaded = loaded_by(*argv, data=tmp_path / "d")
    heavy = {m.split(".")[0] for m in loaded} & {
        "kivy",
        "fastapi",
        "starlette",
        "requests",
        "uvicorn",
        "sync",
    }
    assert not heavy, heavy
    assert not any(
        m.startswith(("kiosk.ui", "kiosk.app", "hardware.pcsc", "hardware.scanner")) for m in loaded
    )


def _imports_of(path: Path, package_root: Path) -> set[str]:
    """Every kiosk/hardware module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_no_import_cycles_under_kiosk_cli() -> None:
    """The verb modules and what they import from the app: no module reaches itself again."""
    modules: dict[str, Path] = {}
    for root in ("kiosk", "hardware"):
        for path in (REPO / root).rglob("*.py"):
            name = ".".join(path.relative_to(REPO).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    graph = {
        name: {m for m in _imports_of(path, REPO) if m in modules} - {name} for name, path in modules.items()
    }

    def reaches(start: str) -> bool:
        seen: set[str] = set()
        todo = [m for m in graph[start] if not start.startswith(m + ".")]
        while todo:
            current = todo.pop()
            if current == start:
                return True
            if current in seen:
                continue
            seen.add(current)
            todo.extend(graph.get(current, ()))
        return False

    cyclic = sorted(name for name in modules if name.startswith("kiosk.cli") and reaches(name))
    assert not cyclic, cyclic
