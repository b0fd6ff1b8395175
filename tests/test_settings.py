"""Settings come from the environment and refuse to start on unsafe or malformed values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def start(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        ],
        env={**clean, "DJANGO_SETTINGS_MODULE": "aktau_tos.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.system  # starts Python afresh, as a deployment would
def test_production_refuses_to_start_without_a_secret_key():
    result = start(DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.system  # starts Python afresh, as a deployment would
def test_production_refuses_the_development_key():
    result = start(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="dev-only-insecure")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set to a real secret" in result.stderr


@pytest.mark.system  # starts Python afresh, as a deployment would
def test_debug_runs_with_the_development_key():
    result = start(DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


@pytest.mark.system  # starts Python afresh, as a deployment would
@pytest.mark.parametrize("value", ["ture", "maybe", "2"])
def test_a_malformed_flag_stops_the_start(value):
    result = start(DJANGO_DEBUG=value, DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr and "not a boolean" in result.stderr


@pytest.mark.system  # starts Python afresh, as a deployment would
@pytest.mark.parametrize(
    ("name", "value"),
    [("CAPACITY_DWELL_DAYS", "dg=4,reefer=4"), ("CAPACITY_DWELL_DAYS", "dg=four,reefer=4,inspection=1"),
     ("CAPACITY_EFFECTIVE_SHARE", "dg=1.5,reefer=1,inspection=1"), ("CAPACITY_INSPECTION_SHARE", "2")],
)  # fmt: skip
def test_a_malformed_capacity_assumption_stops_the_start(name, value):
    result = start(DJANGO_DEBUG="true", **{name: value})
    assert result.returncode != 0
    assert name in result.stderr and "ImproperlyConfigured" in result.stderr


def test_the_capacity_assumptions_default_to_the_documented_values(settings):
    assert settings.CAPACITY_DWELL_DAYS == {"dg": 4.0, "reefer": 4.0, "inspection": 1.0}
    assert settings.CAPACITY_EFFECTIVE_SHARE == {"dg": 0.35, "reefer": 1.0, "inspection": 1.0}
    assert (settings.CAPACITY_INSPECTION_SHARE, settings.CAPACITY_LOOKAHEAD_HOURS) == (0.05, 72)
    assert settings.CELERY_BEAT_SCHEDULE["check-capacity-ahead-trains"]["task"] == "edi.tasks.check_capacity_ahead"
    assert settings.CELERY_BEAT_SCHEDULE["check-capacity-ahead-calls"]["task"] == "vessels.tasks.check_capacity_ahead"


def test_the_embedded_defaults(settings):
    assert settings.TIME_ZONE == "Asia/Aqtau"
    assert settings.USE_TZ is True
    from aktau_tos.celery import app

    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]


def test_every_variable_is_documented_in_env_example():
    import re

    read = set(re.findall(r'env[a-z_.]*\(\s*"([A-Z_]+)"', (ROOT / "aktau_tos" / "settings.py").read_text()))
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), flags=re.MULTILINE))
    assert read, "no variables found: the pattern no longer matches settings.py"
    assert read == documented


@pytest.mark.system  # starts Python afresh, as a deployment would
def test_production_settings_pass_the_deployment_checklist():
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))},
           "DJANGO_SETTINGS_MODULE": "aktau_tos.settings", "DJANGO_DEBUG": "false",
           "DJANGO_SECRET_KEY": "k" * 20 + "-production-like-secret-with-enough-entropy-0123456789",
           "DJANGO_ALLOWED_HOSTS": "tos.example.kz"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="prepared statements of PostgreSQL")
def test_postgresql_prepares_the_statements_a_connection_repeats():
    """Planning once per connection, not per request: Django leaves this off unless prepare_threshold is set."""
    from yard.models import Block

    for pk in range(6):
        list(Block.objects.filter(pk=pk))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ['%FROM "yard_block"%'])
        assert cursor.fetchone()[0] == 1


def test_django_prints_each_log_line_once():
    """Django's loggers had their own console handler in DEBUG and also passed each line to the root's: every line
    of `make run`'s web server came out twice."""
    import logging

    for name in ("django", "django.server", "django.request"):
        logger = logging.getLogger(name)
        assert (logger.handlers, logger.propagate) == ([], True), name
    assert logging.getLogger().handlers  # the root prints them


def test_the_icon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("aktau_tos/favicon.svg")
    assert 'rel="icon"' in client.get("/admin/login/").content.decode()
