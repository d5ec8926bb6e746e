"""A throwaway PostgreSQL server that a test starts, stops and restarts itself.

Uses Debian's server binaries (/usr/lib/postgresql/<version>/bin); tests skip, saying so,
where they are absent. initdb refuses to run as root, so as root the server runs as the
`postgres` user (through runuser), in a temporary folder that user owns.
"""

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

from .serving import free_port, require_servers_mark


def server_binaries():
    """The folder holding initdb and pg_ctl, newest version first; None when there is none."""
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


class OwnPostgres:
    def __init__(self):
        self.bin = server_binaries()
        if self.bin is None:
            pytest.skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb) not found: outage test skipped")
        self.as_user = []
        self.folder = Path(tempfile.mkdtemp(prefix="kb-own-postgres-"))
        if os.geteuid() == 0:
            if not shutil.which("runuser"):
                pytest.skip("running as root without runuser: cannot start PostgreSQL as another user")
            user = pwd.getpwnam("postgres")  # Debian's server package creates this user
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.data = self.folder / "data"
        self.port = free_port()

    def _run(self, *command):
        result = subprocess.run([*self.as_user, *command], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def init(self):
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        return self

    def start(self):
        require_servers_mark()
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = self.folder / "server.log"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(log), "-w", "start")

    def stop(self):
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name):
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')

    def remove(self):
        subprocess.run(
            [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.folder, ignore_errors=True)
