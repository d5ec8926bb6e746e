"""bench/readers.py: the load test's readers ask for addresses by the reader model they are given
(run through wrk's own Lua, against a small server that counts what it is asked for)."""

import shutil
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import readers

pytestmark = pytest.mark.skipif(not shutil.which("wrk"), reason="wrk not found (apt-get install wrk)")

PATHS = [f"/page-{n}/" for n in range(40)]


def asked_for(tmp_path, model):
    """How often wrk's readers asked for each address in one second, by `model`."""
    asked = Counter()

    class Counting(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self):  # noqa: N802 - the name http.server calls
            asked[self.path] += 1
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        wrk = readers.start_wrk(server.server_port, PATHS, 2, 1, 5, tmp_path, "articles", model)
        output = wrk.communicate(timeout=30)[0]
    finally:
        server.shutdown()
    assert wrk.returncode == 0, output
    assert set(asked) <= set(PATHS)
    return asked


def test_zipf_readers_ask_for_the_popular_addresses_far_more_often(tmp_path):
    asked = asked_for(tmp_path, "zipf")
    counts = sorted(asked.values(), reverse=True)
    assert sum(counts) > 200
    # 1/n^0.8: the first address 6.3 times as often as the tenth, the first four a third of all.
    assert counts[0] > 3 * counts[9]
    assert sum(counts[:4]) > sum(counts) / 4


def test_walking_readers_ask_for_every_address_as_often(tmp_path):
    asked = asked_for(tmp_path, "walk")
    assert set(asked) == set(PATHS)
    assert max(asked.values()) - min(asked.values()) <= 2
