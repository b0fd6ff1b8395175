"""Helpers of the fault tests: real processes (gunicorn, Celery workers, Redis) on the test database.

Subprocesses reach the pytest-django test database through DATABASE_URL, each kind of process with
its own PostgreSQL `application_name`, so a test can find its backends in pg_stat_activity and pg_locks.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar

import psycopg
from django.db import connection

from bench import scanner_load

ROOT = Path(__file__).resolve().parents[2]
APP_NAME_PREFIX = "aktau-faults-"
WEB = "web"  # application_name (after the prefix) of the gunicorn workers' database connections
_T = TypeVar("_T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], _T], *, timeout: float, what: str, interval: float = 0.02) -> _T:
    """Polls `condition` until it returns something true (returned), or fails the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s waiting for {what}")
        time.sleep(interval)


# --- The test database, seen from other processes ------------------------------------------------


def database_url(application_name: str) -> str:
    """DATABASE_URL of the test database, tagged with an application_name of the fault tests."""
    return scanner_load.database_url(APP_NAME_PREFIX + application_name)


def subprocess_env(application_name: str, **variables: str) -> dict[str, str]:
    """The environment of a project process on the test database (secret key etc. inherited)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="aktau_tos.settings",
        DATABASE_URL=database_url(application_name),
        DATABASE_CONN_MAX_AGE="60",  # web workers keep their connection: a test can see both of them
        CELERY_TASK_ALWAYS_EAGER="false",
        PYTHONUNBUFFERED="1",
    )
    env.update(variables)
    return env


def backends(application_name: str) -> set[int]:
    """Server pids of the database connections of one kind of process."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [APP_NAME_PREFIX + application_name]
        )
        return {pid for (pid,) in cursor.fetchall()}


def lock_waits(application_name: str) -> dict[int, str]:
    """What each backend of one kind of process waits for: the table it waits to lock, else the lock type."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.pid, coalesce(l.relation::regclass::text, l.locktype) FROM pg_stat_activity a"
            " JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted WHERE a.application_name = %s",
            [APP_NAME_PREFIX + application_name],
        )
        return dict(cursor.fetchall())


@contextlib.contextmanager
def held_lock(sql: str, params: tuple | list = ()) -> Iterator[None]:
    """Runs `sql` (LOCK TABLE, SELECT ... FOR UPDATE) in a transaction of its own connection and keeps
    the locks it takes until the block ends; then rolls back."""
    db = connection.settings_dict
    conninfo = {
        "dbname": db["NAME"],
        "user": db["USER"],
        "password": db["PASSWORD"],
        "host": db["HOST"],
        "port": db["PORT"],
    }
    conninfo = {name: value for name, value in conninfo.items() if value}
    with psycopg.connect(**conninfo, application_name=APP_NAME_PREFIX + "lock") as holder:
        holder.execute(sql, params)
        try:
            yield
        finally:
            holder.rollback()


# --- Processes -----------------------------------------------------------------------------------


class Processes:
    """Subprocesses started by a test, each in its own process group, all killed when the test ends."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._started: list[tuple[subprocess.Popen, IO[bytes]]] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("wb")
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        process.log_path = log.name
        self._started.append((process, log))
        return process

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """SIGKILL to the process and its children (its process group): no clean-up runs."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    @staticmethod
    def log(process: subprocess.Popen) -> str:
        return Path(process.log_path).read_text(errors="replace")

    def kill_all(self) -> None:
        for process, log in reversed(self._started):
            self.kill(process)
            log.close()


def celery(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "aktau_tos", *args]


def worker_command(name: str) -> list[str]:
    """A Celery worker as in production (prefork pool), with one pool process.

    Not the solo pool: it runs the task inside its event loop, which then acknowledges even an
    early-acknowledged task only once the task has ended, so it could not tell acks_late from its absence."""
    return celery(
        "worker",
        "--pool=prefork",
        "--concurrency=1",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--hostname={name}@%h",
    )


# --- HTTP ----------------------------------------------------------------------------------------

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # straight to 127.0.0.1, never a proxy


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)

    @property
    def replayed(self) -> bool:
        return self.headers.get("idempotent-replayed") == "true"


def http(
    method: str, url: str, body: dict | None = None, *, token: str | None = None, key: str | None = None
) -> Answer:
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Accept", "application/json")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    if key:
        request.add_header("Idempotency-Key", key)
    try:
        with _opener.open(request, timeout=60) as response:
            status, headers, content = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, content = error.code, error.headers, error.read()
    return Answer(status, {name.lower(): value for name, value in headers.items()}, content)


def answers(url: str) -> bool:
    try:
        http("GET", url)
    except OSError:
        return False
    return True


def log_in(base_url: str, username: str, password: str) -> str:
    """A token from the log-in endpoint, as a handheld gets it."""
    answer = http("POST", f"{base_url}/api/v1/auth/token/", {"username": username, "password": password})
    assert answer.status == 200, answer.body
    return answer.json()["token"]


class Parallel:
    """Calls started in threads at once; `results()` waits for them (a call's exception fails the test)."""

    def __init__(self, *calls: Callable[[], _T]) -> None:
        self._results: list = [None] * len(calls)
        self._errors: list[BaseException] = []
        self._threads = [
            threading.Thread(target=self._run, args=(i, call), daemon=True) for i, call in enumerate(calls)
        ]
        for thread in self._threads:
            thread.start()

    def _run(self, index: int, call: Callable[[], _T]) -> None:
        try:
            self._results[index] = call()
        except BaseException as error:  # re-raised in the test's thread by results()
            self._errors.append(error)

    def results(self, timeout: float = 60) -> list:
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        assert not any(thread.is_alive() for thread in self._threads), f"calls still running after {timeout} s"
        if self._errors:
            raise self._errors[0]
        return self._results
