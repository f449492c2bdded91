"""A throwaway PostgreSQL cluster for tests and benchmarks (Debian's ``postgresql`` package).

    with PgCluster.start() as pg:
        url = pg.create_database("t1")

Runs ``initdb`` into a temporary folder and a postmaster on 127.0.0.1 on a free port
(trust authentication, loopback only). As root, PostgreSQL refuses to run, so the
cluster belongs to the ``postgres`` system user and commands run through ``runuser``.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType


class PgUnavailable(Exception):
    """PostgreSQL's server binaries are not installed (or the cluster would not start)."""


def find_bindir() -> Path | None:
    env = os.environ.get("KANTA_PG_BINDIR")
    candidates = [env] if env else sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for cand in candidates:
        if cand and (Path(cand) / "initdb").exists() and (Path(cand) / "pg_ctl").exists():
            return Path(cand)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class PgCluster:
    def __init__(self, bindir: Path, folder: Path, port: int, run_as: str | None) -> None:
        self.bindir = bindir
        self.folder = folder
        self.port = port
        self.run_as = run_as
        self._dbs = 0

    @property
    def datadir(self) -> Path:
        return self.folder / "data"

    def _cmd(self, *args: str) -> list[str]:
        if self.run_as:
            return ["runuser", "-u", self.run_as, "--", *args]
        return list(args)

    @classmethod
    def start(cls, *, fsync: bool = False) -> PgCluster:
        bindir = find_bindir()
        if bindir is None:
            raise PgUnavailable("PostgreSQL server binaries not found (apt-get install postgresql)")
        run_as = None
        if os.geteuid() == 0:
            try:
                import pwd

                pwd.getpwnam("postgres")
            except KeyError:
                raise PgUnavailable("running as root and there is no 'postgres' user") from None
            if shutil.which("runuser") is None:
                raise PgUnavailable("running as root and runuser is missing")
            run_as = "postgres"
        folder = Path(tempfile.mkdtemp(prefix="kanta-pg-"))
        if run_as:
            shutil.chown(folder, run_as, run_as)
        cluster = cls(bindir, folder, free_port(), run_as)
        try:
            cluster._init_and_run(fsync)
        except (subprocess.CalledProcessError, OSError) as exc:
            cluster.stop()
            raise PgUnavailable(f"PostgreSQL did not start: {exc}") from exc
        return cluster

    def _init_and_run(self, fsync: bool) -> None:
        subprocess.run(
            self._cmd(
                str(self.bindir / "initdb"),
                "-D",
                str(self.datadir),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ),
            check=True,
            capture_output=True,
        )
        opts = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder} "
            f"-c fsync={'on' if fsync else 'off'} -c max_connections=200 -c shared_buffers=128MB"
        )
        if not fsync:
            opts += " -c synchronous_commit=off -c full_page_writes=off"
        subprocess.run(
            self._cmd(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.datadir),
                "-l",
                str(self.folder / "log"),
                "-o",
                opts,
                "-w",
                "-t",
                "60",
                "start",
            ),
            check=True,
            capture_output=True,
        )

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str | None = None) -> str:
        import psycopg

        self._dbs += 1
        name = name or f"kanta_{os.getpid()}_{self._dbs}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.datadir.exists():
            subprocess.run(
                self._cmd(
                    str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop"
                ),
                capture_output=True,
                check=False,
            )
            # wait for the postmaster to be gone before removing its folder
            for _ in range(50):
                if not (self.datadir / "postmaster.pid").exists():
                    break
                time.sleep(0.1)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PgCluster:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class ServerProcess:
    """The server in a child process on a free loopback port (tests and benchmarks).

    By default it runs uvicorn on the app factory directly; ``via_cli=True`` runs the real
    ``kanta server`` command instead.
    """

    def __init__(
        self,
        db_url: str,
        port: int | None = None,
        workers: int = 1,
        env: dict[str, str] | None = None,
        via_cli: bool = False,
    ) -> None:
        import sys

        self.db_url = db_url
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        if via_cli:
            cmd = [sys.executable, "-m", "kiosk.cli.main", "server", "--db", db_url, "--port", str(self.port)]
        else:
            cmd = [sys.executable, "-m", "uvicorn", "--factory", "sync.server.app:app_from_env"]
            cmd += ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
        if workers > 1:
            cmd += ["--workers", str(workers)]
        env = {**(env or {}), "KANTA_SERVER_DB": db_url}
        # the log goes to a file: a pipe nobody reads would stall a chatty server
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the process)
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=self._log, env={**os.environ, **env}
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.base_url, timeout=1.0) as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    status = self.proc.returncode
                    raise RuntimeError(f"kanta server exited with {status}: {self.log()[-2000:]}")
                try:
                    if http.get("/healthz").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
        self.kill()
        raise RuntimeError("kanta server did not answer /healthz in time")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, whatever it was doing (a crash)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.kill()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
