"""`kanta` imports only what the verb it runs uses: `--version` and `--help` load no verb,
a counter purchase loads no GUI toolkit, web server or HTTP client, and no module under
kiosk imports another in a cycle (function-local imports included)."""

from __future__ import annotations

import ast
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


def loaded_by(*argv: str, data: Path) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "--data", str(data), *argv],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("LOADED"))
    return set(line.split()[1:])


def test_version_and_help_load_no_verb(tmp_path: Path) -> None:
    for argv in (["--version"], ["--help"]):
        loaded = loaded_by(*argv, data=tmp_path)
        # the command line itself, its errors, and the logging every process sets up
        allowed = {"kiosk", "kiosk.cli", "kiosk.cli.main", "kiosk.cli.verbs", "kiosk.errors", "kiosk.logs"}
        assert loaded <= allowed | {"hardware", "hardware.events"}, loaded


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
