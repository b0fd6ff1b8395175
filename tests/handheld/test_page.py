"""The handheld page: one static page under the site's content security policy, nothing inline but its texts."""

import json
import re
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


def test_the_scripts_and_styles_are_static_files_and_load_nothing_else(page):
    html = page.content.decode()
    for name in ("app.js", "api.js", "feedback.js", "handheld.css"):
        path = finders.find(f"handheld/{name}")
        assert path, name
        source = Path(path).read_text(encoding="utf-8")
        assert "http://" not in source and "https://" not in source, f"{name} fetches nothing from elsewhere"
    assert "/static/handheld/app.js" in html and "/static/handheld/handheld.css" in html


def test_the_page_is_not_posted_to(client):
    assert client.post("/hh/").status_code == 405
