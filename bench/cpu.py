"""CPU time of the processes that serve a page: a gunicorn, its PostgreSQL backends, a Redis.

Read from /proc (Linux), in clock ticks turned into seconds. A gunicorn's CPU is its master's
(with the CPU of every worker it has reaped: a worker recycled after max_requests still
counts) plus its live workers'. PostgreSQL's is that of the backends connected to one
database, found in pg_stat_activity: the server must run on this machine. A backend that
ends between two samples loses what it spent since the first; with persistent connections
(CONN_MAX_AGE) that is only a worker's recycling. Used by bench/pages.py.
"""

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    """(parent pid, CPU seconds of the process and of its reaped children), or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # the command name, in parentheses, may hold spaces
    # fields[0] is the state (stat's field 3): ppid is field 4, utime/stime/cutime/cstime fields 14-17.
    return int(fields[1]), sum(int(value) for value in fields[11:15]) / TICK


def _children(pid):
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            stat = _stat(entry.name)
            if stat and stat[0] == pid:
                found.append(int(entry.name))
    return found


def tree_seconds(pid):
    """CPU seconds of a process, its reaped children and its live children (a gunicorn master and workers)."""
    own = _stat(pid)
    if own is None:
        return 0.0
    return own[1] + sum((_stat(child) or (0, 0.0))[1] for child in _children(pid))


class Backends:
    """CPU seconds of the PostgreSQL backends connected to one database, through a connection of our own."""

    def __init__(self, url, database):
        import psycopg

        self.connection = psycopg.connect(url, autocommit=True)
        self.database = database

    def seconds(self):
        rows = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [self.database]
        ).fetchall()
        stats = {pid: _stat(pid) for (pid,) in rows}
        return {pid: stat[1] for pid, stat in stats.items() if stat is not None}

    def close(self):
        self.connection.close()


def spent(before, after):
    """CPU seconds spent by backends between two `Backends.seconds()`: a new backend counts from zero."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
