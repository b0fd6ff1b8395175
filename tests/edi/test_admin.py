"""The data exchange screens: the inbox and outbox with their filters, a message's page (raw, segments, problems),
processing again, uploading an interchange through the inbox's service, the partners' write-only credential, and
who may act."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aktau_tos import roles
from edi import services
from edi.edifact import Outgoing
from edi.models import Interchange, Message, Partner
from tests.edi.conftest import sample
from vessels import services as vessel_services
from vessels.models import OnBoard, StowageProfile, Vessel
from yard import reference

pytestmark = pytest.mark.django_db

BAPLIE = "BAPLIE_D95B_SMDG20_php-edifact-test.edi"
COPRAR = "COPRAR_D95B_SMDG16_generator-sample.edi"
VERMAS = "VERMAS_D16A_SMDG10_generator-sample.edi"
CODECO = "CODECO_D95B_generator-sample.edi"
INBOX = "/admin/edi/inboxmessage/"
OUTBOX = "/admin/edi/outboxinterchange/"
UPLOAD = "/admin/edi/inboxmessage/upload/"


def page_of(message: Message) -> str:
    return f"/admin/edi/message/{message.pk}/change/"


def shown(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def manager_client(client, user_with_role):
    client.force_login(user_with_role(roles.MANAGER, is_staff=True))
    return client


@pytest.fixture
def oocl(port, settings):
    """The sample bay plan's sender, writing to this terminal, which stands for Yantian (its port of discharge)."""
    settings.EDI_TERMINAL_ID = "OOCLIES"
    settings.TERMINAL_LOCODE = "CNYTN"
    return Partner.objects.create(code="OOL", name="OOCL", unb_id="LBCTI", sends=["BAPLIE"])


@pytest.fixture
def cosco(port, settings):
    """The generator samples' sender ME, writing to YOU, this terminal, which stands for Genoa."""
    settings.EDI_TERMINAL_ID = "YOU"
    settings.TERMINAL_LOCODE = "ITGOA"
    return Partner.objects.create(code="COS", name="COSCO", unb_id="ME")


@pytest.fixture
def rejected_bay_plan(oocl, operator) -> Message:
    """The sample bay plan, received before its call was announced: rejected, vessel_call_unknown."""
    services.interchange_receive(raw=sample(BAPLIE), actor=operator)
    message = Message.objects.get()
    assert (message.status, message.problems[0]["code"]) == ("rejected", "vessel_call_unknown")
    return message


def announce_the_bay_plans_call(operator) -> None:
    reference.iso_size_types_load()
    profile = StowageProfile.objects.create(name="ocean", bays_20=40, rows=17, hold_tiers=8, deck_tiers=5,
                                            stack_max_kg=200_000)  # fmt: skip
    vessel = Vessel.objects.create(name="OOCL BEIJING", imo="9355769", call_sign="VRIB3", profile=profile)
    eta = timezone.now() + timedelta(hours=3)
    vessel_services.call_create(vessel=vessel, voyage_in="042", berth="CB1", eta=eta, etd=eta + timedelta(hours=20),
                                actor=operator)  # fmt: skip


def outbound(partner: Partner, operator, *, status: str = Interchange.Status.PENDING, error: str = "") -> Interchange:
    message = Outgoing(type="CODECO", version=("D", "95B", "UN"), reference="", body=[("BGM", "34", "GATEIN1", "9")])
    interchange = services.outbound_enqueue(partner=partner, messages=[message], actor=operator, subject="CSQU3054383")
    Interchange.objects.filter(pk=interchange.pk).update(status=status, attempts=8, last_error=error)
    return Interchange.objects.get(pk=interchange.pk)


# --- Lists ---------------------------------------------------------------------------------------------------------


def test_the_inbox_lists_inbound_messages_newest_first_filtered_and_searched(cosco, operator, operator_client):
    for name in (COPRAR, VERMAS, CODECO):
        services.interchange_receive(raw=sample(name), actor=operator)
    sent = outbound(cosco, operator)
    coprar, vermas, codeco = "M5C5204015D3A1", "M5C51FD6BE3109", "M5C52028597E23"

    page = operator_client.get(INBOX).content.decode()
    assert page.index(codeco) < page.index(vermas) < page.index(coprar)  # newest first
    assert sent.messages.get().reference not in page  # the outbox's, not the inbox's
    assert 'id="edi-upload"' in page and 'id="edi-outbox-link"' in page

    def listed(query: dict, url: str = INBOX) -> set[str]:
        page = operator_client.get(url, query).content.decode()
        return {ref for ref in (coprar, vermas, codeco, sent.messages.get().reference) if ref in page}

    assert listed({"type__exact": "VERMAS"}) == {vermas}
    assert listed({"status__exact": "rejected"}) == {coprar, codeco}  # no call for the order; CODECO is not read
    assert listed({"partner__id__exact": cosco.pk}) == {coprar, vermas, codeco}
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)  # as the date filter links
    today = {"created_at__gte": str(midnight), "created_at__lt": str(midnight + timedelta(days=1))}
    assert listed(today) == {coprar, vermas, codeco}
    assert listed({"created_at__lt": str(midnight)}) == set()
    assert listed({"q": vermas.lower()}) == {vermas}  # by reference
    assert listed({"q": "ME"}) == {coprar, vermas, codeco}  # by sender
    assert listed({"q": "CSQU3054383"}, "/admin/edi/message/") == {sent.messages.get().reference}  # by subject
    assert listed({"interchange__direction__exact": "out"}, "/admin/edi/message/") == {sent.messages.get().reference}


def test_the_outbox_shows_attempts_and_errors_and_links_its_dead_letters(cosco, operator, operator_client):
    waiting = outbound(cosco, operator)
    dead = outbound(cosco, operator, status=Interchange.Status.DEAD, error="connection refused by partner host")
    page = operator_client.get(OUTBOX).content.decode()
    assert waiting.control_reference in page and dead.control_reference in page
    assert 'id="edi-dead-letters"' in page and "connection refused by partner host" in page
    dead_letters = operator_client.get(OUTBOX, {"status__exact": "dead"}).content.decode()
    assert f">{dead.control_reference}<" in dead_letters and f">{waiting.control_reference}<" not in dead_letters
    inbox = operator_client.get(INBOX).content.decode()
    assert "?status__exact=dead" in inbox and 'id="edi-dead-letters"' in inbox  # seen from the inbox too

    page = operator_client.get(f"/admin/edi/interchange/{dead.pk}/change/").content.decode()
    assert "connection refused by partner host" in page and 'id="edi-resend"' in page
    assert "CODECO" in page and "GATEIN1" in page  # its message and raw text
    assert operator_client.get(f"{OUTBOX}{dead.pk}/change/").url == f"/admin/edi/interchange/{dead.pk}/change/"


# --- A message's page ----------------------------------------------------------------------------------------------


def test_a_message_page_shows_its_raw_text_segments_problems_interchange_and_history(rejected_bay_plan, operator,
                                                                                     operator_client):  # fmt: skip
    response = operator_client.get(page_of(rejected_bay_plan))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<pre class="edi-raw">UNH+1907+BAPLIE:D:95B:UN:SMDG20&#x27;' in page  # raw, escaped
    assert '<td class="edi-tag">TDT</td>' in page and '<span class="edi-component">OOCL BEIJING</span>' in page
    assert '<td class="edi-tag">UNH</td>' in page and '<td class="edi-tag">UNT</td>' in page
    assert "vessel_call_unknown" in page and "<code>TDT+20+042" in page  # the problem with its segment
    assert "LBCTI" in page and "OOCLIES" in page and ">1865<" in page  # its interchange
    assert operator.username in page  # its history
    assert 'id="edi-reprocess"' in page
    assert operator_client.get(f"{INBOX}{rejected_bay_plan.pk}/change/").url == page_of(rejected_bay_plan)
    interchange = operator_client.get(f"/admin/edi/interchange/{rejected_bay_plan.interchange_id}/change/")
    assert page_of(rejected_bay_plan) in interchange.content.decode()
    history = operator_client.get(f"/admin/edi/message/{rejected_bay_plan.pk}/history/")
    assert history.status_code == 200


def test_posting_to_a_page_changes_nothing(rejected_bay_plan, operator_client):
    response = operator_client.post(page_of(rejected_bay_plan), {"status": "accepted", "problems": "[]"})
    assert response.status_code == 302
    rejected_bay_plan.refresh_from_db()
    assert rejected_bay_plan.status == "rejected" and rejected_bay_plan.history.count() == 1


# --- Actions -------------------------------------------------------------------------------------------------------


def test_process_again_accepts_a_rejected_message_once_its_call_exists_and_refuses_an_accepted_one(
    rejected_bay_plan, operator, operator_client
):
    url = f"/admin/edi/message/{rejected_bay_plan.pk}/reprocess/"
    assert operator_client.get(url).status_code == 405  # a POST only
    response = operator_client.post(url, follow=True)  # still no call: rejected again, said so
    texts = shown(response)
    assert any("Rejected" in text for text in texts) and any("vessel_call_unknown" in text for text in texts)

    announce_the_bay_plans_call(operator)
    response = operator_client.post(url)
    assert response.status_code == 302 and response.url == page_of(rejected_bay_plan)
    page = operator_client.get(response.url)
    assert any("processed again: Accepted, 0 problems" in text for text in shown(page))
    rejected_bay_plan.refresh_from_db()
    assert (rejected_bay_plan.status, rejected_bay_plan.effects["through"]) == ("accepted", 2)
    assert OnBoard.objects.count() == 3
    assert 'id="edi-reprocess"' not in page.content.decode()

    again = operator_client.post(url, follow=True)
    assert any("edi_message_not_rejected" in text for text in shown(again))
    action = {"action": "process_again", "_selected_action": [rejected_bay_plan.pk]}
    listed = operator_client.post(INBOX, action, follow=True)
    assert any("edi_message_not_rejected" in text for text in shown(listed))
    assert OnBoard.objects.count() == 3  # applied once


def test_an_upload_goes_through_the_inbox_service_and_shows_the_answer(cosco, operator, operator_client):
    upload = SimpleUploadedFile("vermas.edi", sample(VERMAS).encode(), content_type="application/edifact")
    response = operator_client.post(UPLOAD, {"file": upload})
    interchange = Interchange.objects.get(direction="in")
    assert response.status_code == 302 and response.url == f"/admin/edi/interchange/{interchange.pk}/change/"
    assert interchange.created_by == operator and interchange.status == "processed"
    message = interchange.messages.get()
    assert (message.type, message.status) == ("VERMAS", "accepted")
    assert message.problems[0]["code"] == "invalid_container_number"
    page = operator_client.get(response.url)
    texts = shown(page)
    assert any("VERMAS M5C51FD6BE3109: Accepted, 1 problem." in text for text in texts), texts
    assert any("invalid_container_number" in text for text in texts)
    assert page_of(message) in page.content.decode()

    pasted = sample(COPRAR).replace("\n", "\r\n")  # as a browser posts a textarea
    response = operator_client.post(UPLOAD, {"text": pasted}, follow=True)
    assert any("COPRAR M5C5204015D3A1: Rejected" in text for text in shown(response))
    assert Interchange.objects.get(control_reference="I5C5204015D145").raw == sample(COPRAR)

    again = operator_client.post(UPLOAD, {"text": pasted}, follow=True)
    assert any("was received before" in text for text in shown(again))
    assert Message.objects.count() == 2


def test_an_upload_that_cannot_be_read_shows_edi_invalid_and_applies_nothing(cosco, operator_client):
    raw = sample(COPRAR).replace("UNT+", "UNT+9")
    response = operator_client.post(UPLOAD, {"text": raw}, follow=True)
    texts = shown(response)
    assert any("edi_invalid" in text for text in texts) and any("unt_count" in text for text in texts)
    stored = Interchange.objects.get()
    assert stored.status == "invalid" and not Message.objects.exists()
    page = response.content.decode()
    assert "unt_count" in page and "No message: the interchange could not be read" in page  # its page

    for body, said in (({}, "Choose a file or paste"), ({"text": "   "}, "Choose a file or paste")):
        refused = operator_client.post(UPLOAD, body, follow=True)
        assert any(said in text for text in shown(refused))
    assert Interchange.objects.count() == 1


def test_resend_puts_a_dead_letter_back_in_the_outbox(cosco, operator, operator_client):
    dead = outbound(cosco, operator, status=Interchange.Status.DEAD)
    response = operator_client.post(OUTBOX, {"action": "resend", "_selected_action": [dead.pk]}, follow=True)
    assert any("Waiting to be sent" in text for text in shown(response))
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == ("pending", 0)
    again = operator_client.post(f"/admin/edi/interchange/{dead.pk}/resend/", follow=True)  # already waiting
    assert any("edi_interchange_not_resendable" in text for text in shown(again))


# --- Partners ------------------------------------------------------------------------------------------------------

SECRET = "s3cret-Kq7!zz"


def partner_form(**changes) -> dict:
    return {"code": "KMTF", "name": "Kazmortransflot", "kind": "line", "active": "on", "unb_id": "KMTF",
            "unb_qualifier": "", "directory": "D95B", "association": "SMDG20", "sends": ["COPRAR", "BAPLIE"],
            "receives": ["CODECO"], "channel": "https", "address": "https://edi.kmtf.example/in",
            "new_credential": "", **changes}  # fmt: skip


def test_the_credential_is_set_but_never_shown(operator_client, user_with_role):
    partner_user = user_with_role(roles.EDI_PARTNER, username="kmtf-system")
    user_with_role(roles.YARD_CLERK, username="clerk-anna")
    assert "kmtf-system" in (form := operator_client.get("/admin/edi/partner/add/").content.decode())
    assert "clerk-anna" not in form and 'type="password"' in form  # only partner users act for a partner
    response = operator_client.post("/admin/edi/partner/add/", partner_form(new_credential=SECRET,
                                                                             users=[partner_user.pk]))  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response.wsgi_request.sensitive_post_parameters == ("new_credential",)  # masked in error reports
    partner = Partner.objects.get()
    assert (partner.credential, partner.sends, partner.receives) == (SECRET, ["BAPLIE", "COPRAR"], ["CODECO"])
    assert list(partner.users.all()) == [partner_user]

    change = f"/admin/edi/partner/{partner.pk}/change/"
    assert operator_client.post(change, partner_form(name="KMTF", users=[partner_user.pk])).status_code == 302
    partner.refresh_from_db()
    assert (partner.name, partner.credential) == ("KMTF", SECRET)  # left empty: kept
    refused = operator_client.post(change, partner_form(new_credential=SECRET, clear_credential="on"))
    assert refused.status_code == 200 and "not both" in refused.content.decode()  # the form again, empty

    history = partner.history.order_by("history_id").first()
    pages = [change, "/admin/edi/partner/", f"/admin/edi/partner/{partner.pk}/history/",
             f"/admin/edi/partner/{partner.pk}/history/{history.history_id}/"]  # fmt: skip
    for url in pages:
        response = operator_client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url
    assert SECRET not in refused.content.decode()
    assert ">set<" in operator_client.get(change).content.decode()
    assert all(SECRET not in entry.change_message for entry in LogEntry.objects.all())

    assert operator_client.post(change, partner_form(clear_credential="on")).status_code == 302
    partner.refresh_from_db()
    assert partner.credential == "" and ">not set<" in operator_client.get(change).content.decode()


# --- Who may do what -----------------------------------------------------------------------------------------------


def test_a_manager_may_look_but_not_act(rejected_bay_plan, operator, manager_client):
    inbox = manager_client.get(INBOX)
    assert inbox.status_code == 200 and 'id="edi-upload"' not in inbox.content.decode()
    assert "process_again" not in inbox.content.decode()
    page = manager_client.get(page_of(rejected_bay_plan))
    assert page.status_code == 200 and 'id="edi-reprocess"' not in page.content.decode()
    announce_the_bay_plans_call(operator)
    assert manager_client.post(f"/admin/edi/message/{rejected_bay_plan.pk}/reprocess/").status_code == 403
    manager_client.post(INBOX, {"action": "process_again", "_selected_action": [rejected_bay_plan.pk]})
    assert manager_client.post(UPLOAD, {"text": sample(BAPLIE)}).status_code == 403
    sent = outbound(rejected_bay_plan.partner, operator, status=Interchange.Status.DEAD)
    assert manager_client.post(f"/admin/edi/interchange/{sent.pk}/resend/").status_code == 403
    rejected_bay_plan.refresh_from_db()
    assert rejected_bay_plan.status == "rejected" and not OnBoard.objects.exists()
    assert manager_client.get(f"/admin/edi/partner/{rejected_bay_plan.partner_id}/change/").status_code == 200


def test_exchanged_records_are_neither_added_nor_deleted(rejected_bay_plan, operator_client):
    interchange = rejected_bay_plan.interchange
    urls = [
        "/admin/edi/interchange/add/",
        "/admin/edi/message/add/",
        f"{INBOX}add/",
        f"{OUTBOX}add/",
        f"/admin/edi/interchange/{interchange.pk}/delete/",
        f"/admin/edi/message/{rejected_bay_plan.pk}/delete/",
    ]
    for url in urls:
        assert operator_client.get(url).status_code == 403, url
    assert "delete_selected" not in operator_client.get(INBOX).content.decode()
    assert "delete_selected" not in operator_client.get("/admin/edi/interchange/").content.decode()
    assert Interchange.objects.count() == 1 and Message.objects.count() == 1
