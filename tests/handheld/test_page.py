"""The handheld page: one static page under the site's content security policy, nothing inline but its texts."""

import gzip
import json
import re
import shutil
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client):
    return client.get("/hh/")


def test_the_page_is_served_without_a_log_in_under_the_policy(page):
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_the_page_is_compressed_for_a_scanner_that_accepts_it(client):
    plain = client.get("/hh/")
    packed = client.get("/hh/", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in plain and packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) / 2


def test_the_page_runs_no_inline_script_and_no_inline_style(page):
    html = page.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts
    for attributes, body in scripts:
        if 'type="application/json"' in attributes:
            continue  # a data block: never executed, so the policy lets it be
        assert "src=" in attributes and not body.strip(), attributes
    assert "style=" not in html and "<style" not in html
    assert not re.search(r"\son[a-z]+=", html), "no inline event handlers"


def test_the_scripts_texts_come_from_the_server(page):
    html = page.content.decode()
    block = re.search(r'<script id="hh-texts" type="application/json">(.*?)</script>', html, flags=re.S)
    texts = json.loads(block.group(1))
    assert texts["container_mismatch"] == "This is not the container of this move."
    assert "{detail}" in texts["position_occupied"] and "{target}" in texts["move_redirected"]


def test_the_labels_the_scanner_staff_know(page):
    html = page.content.decode()
    for label in ("Username", "Password", "Device", "Machine", "Container", "Position"):
        assert re.search(rf"<label for=\"[\w-]+\">{label}</label>", html), label
    for button in ("Log in", "Confirm", "Log out"):
        assert f">{button}</button>" in html
    # The clerk's screens: gate-in, train check-in, vessel tally.
    for label in ("Truck", "Type", "Freight", "Category", "Gross weight (kg)", "Seal", "UN number", "Class", "Train"):
        assert re.search(rf"<label for=\"[\w-]+\">{re.escape(label)}</label>", html), label
    for label in ("Cell", "Damage note", "Packing group", "Net mass (kg)", "EmS"):
        assert re.search(rf"<label for=\"[\w-]+\">{re.escape(label)}</label>", html), label
    for button in ("Gate-in", "Train check-in", "Vessel tally", "Gate in", "Check in", "Next truck", "Next wagon"):
        assert f">{button}</button>" in html, button


def test_the_scripts_and_styles_are_static_files_and_load_nothing_else(page):
    html = page.content.decode()
    folder = Path(finders.find("handheld/app.js")).parent
    names = {path.name for path in folder.iterdir()}
    assert {"app.js", "api.js", "core.js", "outbox.js", "driver.js", "clerk.js", "handheld.css"} <= names
    for name in names:
        source = (folder / name).read_text(encoding="utf-8")
        assert "http://" not in source and "https://" not in source, f"{name} fetches nothing from elsewhere"
    assert "/static/handheld/app.js" in html and "/static/handheld/handheld.css" in html


def test_the_page_is_not_posted_to(client):
    assert client.post("/hh/").status_code == 405


def test_the_service_worker_keeps_the_page_and_every_file_of_the_app(client, page):
    worker = client.get("/hh/worker.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript") and worker["Cache-Control"] == "no-cache"
    script = worker.content.decode()
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", script).group(1))
    folder = Path(finders.find("handheld/app.js")).parent
    assert "/hh/" in shell
    assert {f"/static/handheld/{path.name}" for path in folder.iterdir()} <= set(shell)
    for path in shell:  # everything it keeps is there to be kept: one missing file would fail the install
        if path.startswith("/static/"):
            assert finders.find(path.removeprefix("/static/")), path
    html = page.content.decode()
    assert 'data-worker="/hh/worker.js"' in html and 'data-scope="/hh/"' in html


def test_a_new_release_is_a_new_service_worker(client, monkeypatch, tmp_path):
    from handheld import views

    def version() -> bytes:
        return re.search(rb'const CACHE = "hh-(\w+)"', client.get("/hh/worker.js").content).group(1)

    release = tmp_path / "handheld"
    shutil.copytree(views._static_folder(), release)
    monkeypatch.setattr(views, "_static_folder", lambda: release)
    first = version()
    assert version() == first  # the same files: the browser keeps the worker it has
    (release / "driver.js").write_text((release / "driver.js").read_text() + "\n// a fix\n")
    assert version() != first  # one changed file: a new worker, which replaces the files kept on the device
