"""Benchmark sync: server push throughput and concurrent-kiosk latency (and, from
``bench/sync_client_parts.py`` where present, the client's drain/backup/restore figures).

    python bench/sync.py --json

Each ``bench/sync_*_parts.py`` module has ``PARTS`` (functions of the parsed arguments that
each return a dict) and may have ``add_arguments(parser)``; ``main()`` runs every part and
merges the dicts into one JSON line.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
# this file is named like the `sync` package: keep bench/ off the import path, the repo on it
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

PART_MODULES = ("sync_server_parts", "sync_client_parts")


def load_parts() -> list[ModuleType]:
    modules = []
    for name in PART_MODULES:
        path = HERE / f"{name}.py"
        if path.exists():
            spec = importlib.util.spec_from_file_location(name, path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            modules.append(module)
    return modules


def main(argv: list[str] | None = None) -> int:
    modules = load_parts()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON line (the default prints it indented)"
    )
    parser.add_argument("--only", choices=PART_MODULES, help="run the parts of one module only")
    for module in modules:
        if hasattr(module, "add_arguments"):
            module.add_arguments(parser)
    args = parser.parse_args(argv)
    result: dict[str, Any] = {}
    for module in modules:
        if args.only and module.__name__ != args.only:
            continue
        for part in module.PARTS:
            result.update(part(args))
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        print(json.dumps(result, sort_keys=True, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
