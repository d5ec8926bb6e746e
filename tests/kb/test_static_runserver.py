"""Static files load however the site is started: `runserver` with DEBUG off serves the same
hashed, collected files as gunicorn does (WhiteNoise, with `whitenoise.runserver_nostatic`).

Django's own runserver static handler (`--insecure`) looks files up by their source names and
answers 404 for every hashed name a DEBUG-off page links to, so MathJax, CSS and scripts never
loaded.
"""

import re
import subprocess
import sys

import pytest

from tests.serving import ROOT, fetch, free_port, production_env, read_output, start, stop, wait_for

# runserver on its own SQLite file, whatever DATABASE_URL says.
pytestmark = [pytest.mark.servers, pytest.mark.no_db_difference]


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runserver-static")
    env = production_env(
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        STATIC_ROOT=str(folder / "static"),
        SITE_URL="http://127.0.0.1:8000",
    )
    for command in (["migrate", "--noinput"], ["load_demo"], ["collectstatic", "--noinput"]):
        subprocess.run([sys.executable, "manage.py", *command, "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300)
    return folder, env


@pytest.mark.parametrize("options", [["--insecure"], []], ids=["insecure", "plain"])
def test_runserver_with_debug_off_serves_the_hashed_static_files_its_pages_link_to(collected, options):
    folder, env = collected
    port = free_port()
    env = {**env, "SITE_URL": f"http://127.0.0.1:{port}"}
    command = [sys.executable, "manage.py", "runserver", "--noreload", *options, f"127.0.0.1:{port}"]
    server = start(command, env, folder / f"runserver-{port}.log")
    try:
        wait_for(port, process=server)
        status, _, body = fetch(port, "/articles/flashattention-online-softmax/")
        assert status == 200
        linked = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', body.decode()))
        hashed = {url for url in linked if re.search(r"\.[0-9a-f]{12}\.(css|js|svg)$", url)}
        assert any("/css/site." in url for url in hashed) and any("mathjax" in url.lower() for url in hashed), linked
        for url in sorted(hashed):
            status, headers, content = fetch(port, url)
            assert status == 200 and content, (url, read_output(server)[-2000:])
            assert "immutable" in headers["Cache-Control"], url
    finally:
        stop(server)
