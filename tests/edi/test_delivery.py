"""Delivery of the outbox: by folder, HTTPS, e-mail or the API; a partner that is down gets its messages later,
in order and once each; a message given up is the dead letter until it is sent again."""

import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from edi import delivery, tasks
from edi.edifact import Outgoing
from edi.errors import InterchangeNotResendable
from edi.models import Interchange, Partner
from edi.services import outbound_enqueue, retry_delay
from tests.test_invariants import postgres_only, race

pytestmark = pytest.mark.django_db

SECRET = "s3cr3t-token"


def enqueue(partner: Partner, actor, count: int = 1) -> list[Interchange]:
    return [
        outbound_enqueue(partner=partner, actor=actor, messages=[
            Outgoing("CODECO", ("D", "95B", "UN"), reference="", body=[("BGM", "34", f"DOC{n}", "9")])])
        for n in range(count)
    ]  # fmt: skip


def partner(channel: str, address: str = "", **fields) -> Partner:
    return Partner.objects.create(code="KMTF", name="Kazmortransflot", unb_id="KMTFEDI", channel=channel,
                                  address=address, **fields)  # fmt: skip


def statuses() -> list[tuple[str, str, int]]:
    return list(Interchange.objects.order_by("pk").values_list("control_reference", "status", "attempts"))


def test_to_a_folder_one_whole_file_per_interchange(tmp_path, operator):
    kmtf = partner("folder", str(tmp_path))
    first, second = enqueue(kmtf, operator, 2)
    run = delivery.outbox_deliver(actor=operator)
    assert run.sent == [first.pk, second.pk]
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["KMTF-000001.edi", "KMTF-000002.edi"]  # no temporary left
    assert (out / "KMTF-000001.edi").read_text(encoding="latin-1") == first.raw
    assert statuses() == [("000001", "sent", 1), ("000002", "sent", 1)]
    assert delivery.outbox_deliver(actor=operator).sent == []  # sent once


def test_by_email_with_the_interchange_attached_and_for_the_api_nothing_to_push(operator):
    kmtf = partner("email", "edi@kmtf.example")
    [interchange] = enqueue(kmtf, operator)
    asco = Partner.objects.create(code="ASCO", name="ASCO", unb_id="ASCOEDI", channel="api")
    [fetched] = enqueue(asco, operator)
    assert sorted(delivery.outbox_deliver(actor=operator).sent) == [interchange.pk, fetched.pk]
    [sent] = mail.outbox
    assert sent.to == ["edi@kmtf.example"]
    assert sent.attachments[0][:2] == ("KMTF-000001.edi", interchange.raw)


def test_the_beat_task_runs_the_delivery(tmp_path, operator):
    enqueue(partner("folder", str(tmp_path)), operator, 2)
    assert tasks.deliver_outbox() == {"sent": 2, "failed": 0, "dead": 0, "held_back": 0}


class Endpoint:
    """A partner's HTTP endpoint on this machine: down (nothing listens), failing (500) or up; it counts bodies."""

    def __init__(self) -> None:
        with socket.socket() as probe:  # a free port, closed again: nothing listens there until start()
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/edi"
        self.failing, self.received, self.authorizations = False, [], set()
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if endpoint.failing:
                    self.send_response(500)
                else:
                    endpoint.received.append(body.decode("latin-1"))
                    endpoint.authorizations.add(self.headers["Authorization"])
                    self.send_response(202)
                self.end_headers()

            def log_message(self, *args) -> None:  # quiet
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def endpoint():
    server = Endpoint()
    yield server
    server.stop()


def test_an_endpoint_that_is_down_gets_every_message_once_in_order_when_it_is_back(endpoint, operator, settings):
    settings.EDI_HTTP_TIMEOUT_SECONDS = 5
    kmtf = partner("https", endpoint.url, credential=SECRET)
    first, second, third = enqueue(kmtf, operator, 3)
    start = timezone.now()

    # Down: nothing listens. The first fails and waits its backoff; the others wait behind it, their turn unspent.
    run = delivery.outbox_deliver(actor=operator)
    assert (run.failed, run.held_back, run.sent) == ([first.pk], [second.pk, third.pk], [])
    first.refresh_from_db()
    assert (first.status, first.attempts) == ("pending", 1) and "Connection" in first.last_error
    assert first.next_attempt_at >= start + retry_delay(1)
    assert delivery.outbox_deliver(actor=operator).sent == []  # not due yet: nothing is tried, nothing overtakes

    # Up but failing (HTTP 500): the second attempt fails too, the wait doubles.
    endpoint.failing = True
    endpoint.start()
    with time_machine.travel(first.next_attempt_at + timedelta(seconds=1)):
        run = delivery.outbox_deliver(actor=operator)
        assert run.failed == [first.pk]
        first.refresh_from_db()
        assert "HTTP 500" in first.last_error and first.attempts == 2
        assert first.next_attempt_at >= timezone.now() + retry_delay(2) - timedelta(seconds=1)

    # Back: all three go out, in the order they were written, each once.
    endpoint.failing = False
    with time_machine.travel(first.next_attempt_at + timedelta(seconds=1)):
        assert delivery.outbox_deliver(actor=operator).sent == [first.pk, second.pk, third.pk]
        assert delivery.outbox_deliver(actor=operator).sent == []
    assert endpoint.received == [first.raw, second.raw, third.raw]
    assert endpoint.authorizations == {f"Bearer {SECRET}"}
    assert statuses() == [("000001", "sent", 3), ("000002", "sent", 1), ("000003", "sent", 1)]
    assert not any(SECRET in (i.last_error or "") for i in Interchange.objects.all())


def test_given_up_after_the_last_attempt_then_sent_again(tmp_path, operator, settings):
    settings.EDI_MAX_ATTEMPTS = 2
    missing = tmp_path / "not-yet"
    kmtf = partner("folder", str(missing))
    [interchange] = enqueue(kmtf, operator)
    assert delivery.outbox_deliver(actor=operator).failed == [interchange.pk]
    interchange.refresh_from_db()
    with time_machine.travel(interchange.next_attempt_at + timedelta(seconds=1)):
        assert delivery.outbox_deliver(actor=operator).dead == [interchange.pk]
    interchange.refresh_from_db()
    assert (interchange.status, interchange.attempts, interchange.next_attempt_at) == ("dead", 2, None)
    assert "not-yet" in interchange.last_error
    assert delivery.outbox_deliver(actor=operator).sent == []  # the dead letter waits for someone

    missing.mkdir()
    resent = delivery.interchange_resend(interchange_id=interchange.pk, actor=operator)
    assert (resent.status, resent.attempts, resent.last_error) == ("pending", 0, "")
    with pytest.raises(InterchangeNotResendable):  # already waiting to be sent
        delivery.interchange_resend(interchange_id=interchange.pk, actor=operator)
    assert delivery.outbox_deliver(actor=operator).sent == [interchange.pk]
    assert (missing / "out" / "KMTF-000001.edi").exists()
    reasons = list(interchange.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert "to be sent again" in reasons and reasons[-1] == "sent"


def test_a_plain_http_address_elsewhere_is_refused_before_the_credential_leaves(operator):
    kmtf = partner("https", "http://edi.kmtf.example/in", credential=SECRET)
    [interchange] = enqueue(kmtf, operator)
    assert delivery.outbox_deliver(actor=operator).failed == [interchange.pk]
    interchange.refresh_from_db()
    assert "https" in interchange.last_error


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_workers_running_at_once_send_each_interchange_once(operator):
    enqueue(partner("api"), operator, 6)
    Partner.objects.create(code="ASCO", name="ASCO", unb_id="ASCOEDI", channel="api")
    enqueue(Partner.objects.get(code="ASCO"), operator, 6)
    runs = race(4, lambda index: delivery.outbox_deliver(actor=operator, limit=3).sent)
    sent = [pk for run in runs for pk in run]
    assert len(sent) == len(set(sent))  # none twice
    while more := delivery.outbox_deliver(actor=operator).sent:
        sent += more
    assert sorted(sent) == sorted(Interchange.objects.values_list("pk", flat=True)) and len(sent) == 12
