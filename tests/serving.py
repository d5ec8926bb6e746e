"""Helpers for tests that run the site in real server processes: free ports, HTTP, waiting."""

import http.client
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(port, path, headers=None, method="GET", timeout=30):
    """(status, headers as a case-insensitive message, body bytes); redirects are not followed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def wait_for(port, path="/healthz", status=200, seconds=60, process=None):
    """Poll until `path` answers `status`; fail with the server's output if it never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}:\n{read_output(process)}")
        try:
            if fetch(port, path, timeout=5)[0] == status:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"no {status} from {path} on port {port} within {seconds} s")


# Set by the test run (the browser tests allow the ORM inside Playwright's event loop), never in production.
PARENT_ONLY = {"KB_TEST_DATABASE_NAME", "REDIS_URL", "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def production_env(**extra):
    """The environment of a production process: DEBUG off, a real key and site address, no test-run leftovers."""
    env = {k: v for k, v in os.environ.items() if k not in PARENT_ONLY}
    env.update(
        DEBUG="false",
        SECRET_KEY="prod-" + "k3y-" * 14,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="https://kb.example.org",
        DJANGO_SETTINGS_MODULE="kb.settings",
    )
    env.update(extra)
    return env


# The test being set up or run (tests/conftest.py sets it), so that start() can check its mark.
current_test = None


def require_servers_mark():
    if current_test is not None and current_test.get_closest_marker("servers") is None:
        pytest.fail(f"{current_test.nodeid} starts a server process: mark it @pytest.mark.servers", pytrace=False)


def start(command, env, log_path):
    """Start a server in a process group of its own, its output going to `log_path`.

    Only from a test marked `servers` (`-m "not servers"` leaves out the slow ones): a server
    started by an unmarked test fails it, so that the mark stays true.
    """
    require_servers_mark()
    log = open(log_path, "wb")  # noqa: SIM115 - closed by stop()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    process.log = log
    process.log_path = log_path
    return process


def read_output(process):
    process.log.flush()
    return Path(process.log_path).read_text(errors="replace")


def stop(process):
    """Stop the process group started by start() (the server and its workers), then reap it."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    process.log.close()


def start_redis(folder, port=None):
    """A throwaway redis-server on `port` or a free one (skips the test where there is none): (process, port)."""
    server = shutil.which("redis-server")
    if not server:
        pytest.skip("redis-server not found (apt-get install redis-server): test skipped")
    port = port or free_port()
    command = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = start(command, {"PATH": "/usr/bin:/bin"}, Path(folder) / "redis.log")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return process, port
        except OSError:
            time.sleep(0.1)
    stop(process)
    raise AssertionError(f"redis-server did not answer on port {port}:\n{read_output(process)}")
