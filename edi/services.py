"""The inbox and the outbox.

Inbox: the raw interchange is stored (and committed) before anything else, so nothing a partner sends is lost.
Then, under a lock on that row, it is read and its envelope checked (an interchange that cannot be read applies
nothing: `edi_invalid`), its sender matched to a partner, and each message routed to its handler in a savepoint
of its own: an accepted message applies what it can and lists the containers it could not take; a rejected one
applies nothing. The answer is kept: the same interchange again (same sender, same UNB control reference) gets the
first answer and applies nothing twice. The partner is answered (CONTRL, APERAK: `edi.acknowledgments`) through
the outbox, in the transaction that processed the interchange.

Outbox: `outbound_enqueue` writes an outbound interchange in the caller's transaction (the event and its report
commit together); `edi.delivery` sends it.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aktau_tos.audit import audited
from aktau_tos.errors import DomainError
from aktau_tos.locking import lock_wait
from edi.acknowledgments import acknowledgments, aperak
from edi.edifact import (
    Outgoing,
    ReadMessage,
    Unreadable,
    envelope_peek,
    interchange_read,
    interchange_write,
    segment_messages,
)
from edi.errors import EdiInvalid, MessageNotFound, MessageNotRejected, MessageRefused
from edi.inbound import HANDLERS
from edi.models import Interchange, Message, Partner

IN, OUT = Interchange.Direction.IN, Interchange.Direction.OUT


def _problem(segment: str, code: str, detail: str) -> dict:
    return {"segment": segment, "code": code, "detail": detail}


def _stored(raw: str, actor: AbstractBaseUser) -> Interchange:
    """The interchange's row, committed on its own before it is read; the existing one for a repeat."""
    sender, reference = envelope_peek_or_digest(raw)
    with transaction.atomic():
        existing = Interchange.objects.filter(direction=IN, sender=sender, control_reference=reference).first()
        if existing:
            return existing
        try:
            with transaction.atomic():
                interchange = Interchange(
                    direction=IN,
                    sender=sender,
                    control_reference=reference,
                    raw=raw,
                    status=Interchange.Status.RECEIVED,
                    created_by=actor,
                )
                audited(interchange, actor, _("received")).save()
                return interchange
        except IntegrityError:  # the same interchange, posted at the same moment: one row, one processing
            return Interchange.objects.get(direction=IN, sender=sender, control_reference=reference)


def envelope_peek_or_digest(raw: str) -> tuple[str, str]:
    """Sender and control reference from the UNB; an interchange without them is known by its digest."""
    sender, reference = envelope_peek(raw)
    return sender[:35], reference[:64] or "sha256:" + hashlib.sha256(raw.encode()).hexdigest()[:48]


# What the inbox records and answers (problem details, APERAK and CONTRL texts) goes to the lines' systems, which
# read English, in EDIFACT's UNOA character set: it is written in English whatever the reader's language.
PARTNER_LANGUAGE = "en"


@translation.override(PARTNER_LANGUAGE)
def interchange_receive(
    *, raw: str, actor: AbstractBaseUser, acting_for: Partner | None = None
) -> tuple[Interchange, dict, bool]:
    """Stores, reads, checks and applies an interchange. Answers (interchange, answer, first time?).
    `acting_for`: the partner an edi_partner user acts for; its interchanges must come from that partner.
    Raises EdiInvalid (with the answer) when the interchange cannot be read."""
    stored = _stored(raw, actor)
    interchange, first = _processed(stored, raw, actor, acting_for)
    if interchange.status == Interchange.Status.INVALID:
        raise EdiInvalid(problems=interchange.problems, answer=interchange.answer)
    return interchange, interchange.answer, first


def _sender_checked(read, acting_for: Partner | None) -> tuple[Partner | None, list[dict]]:
    """The partner the UNB names, and what is wrong with the envelope's parties."""
    partner = Partner.objects.filter(unb_id=read.sender, active=True).first()
    where = f"UNB {read.sender}"
    if partner is None:
        return None, [_problem(where, "partner_unknown", _("no active partner sends as %(s)s") % {"s": read.sender})]
    if acting_for is not None and partner != acting_for:
        detail = _("you may post only %(code)s's interchanges") % {"code": acting_for.code}
        return partner, [_problem(where, "sender_not_yours", detail)]
    if read.recipient and read.recipient != settings.EDI_TERMINAL_ID:
        detail = _("addressed to %(to)s; this terminal is %(id)s") % {
            "to": read.recipient,
            "id": settings.EDI_TERMINAL_ID,
        }
        return partner, [_problem(f"UNB {read.recipient}", "recipient_unknown", detail)]
    return partner, []


@transaction.atomic
def _processed(stored: Interchange, raw: str, actor, acting_for: Partner | None) -> tuple[Interchange, bool]:
    """The interchange read and applied under a lock on its row (a repeat racing it waits, then replays)."""
    with lock_wait(_("interchange %(reference)s") % {"reference": stored.control_reference}):
        interchange = Interchange.objects.select_for_update().get(pk=stored.pk)
    if interchange.answer is not None:
        return interchange, False
    problems, read, partner = [], None, None
    try:
        read = interchange_read(raw, gettext=_)  # the envelope's problems in the reader's language
    except Unreadable as error:
        problems = error.problems
    if read is not None:
        partner, problems = _sender_checked(read, acting_for)
    interchange.partner = partner
    if problems:
        interchange.status, interchange.problems = Interchange.Status.INVALID, problems
        interchange.answer = {
            "code": "edi_invalid",
            "problems": problems,
            "id": interchange.pk,
            "sender": interchange.sender,
            "reference": interchange.control_reference,
        }
        audited(interchange, actor, _("cannot be read")).save()
        _acknowledge(interchange, read, _answerable(interchange, partner, acting_for), actor)
        return interchange, True
    interchange.recipient = read.recipient
    answers = [_message_apply(interchange, partner, message, actor) for message in read.messages]
    interchange.status = Interchange.Status.PROCESSED
    interchange.answer = {
        "id": interchange.pk,
        "sender": read.sender,
        "reference": read.control_reference,
        "messages": answers,
    }
    audited(interchange, actor, _("processed")).save()
    _acknowledge(interchange, read, partner, actor)
    return interchange, True


def _answerable(interchange: Interchange, partner: Partner | None, acting_for: Partner | None) -> Partner | None:
    """Whom to tell that an interchange cannot be read: the known partner its UNB names, unless someone else
    posted it in that partner's name (then the named partner never sent it)."""
    if any(problem["code"] == "sender_not_yours" for problem in interchange.problems):
        return None
    if partner is None and interchange.sender:
        partner = Partner.objects.filter(unb_id=interchange.sender, active=True).first()
    if partner is not None and acting_for is not None and partner != acting_for:
        return None
    return partner


def _acknowledge(interchange: Interchange, read, partner: Partner | None, actor) -> None:
    """CONTRL and APERAK into the outbox with the processing, as the partner receives them."""
    subject = f"{interchange.sender} {interchange.control_reference}"
    for messages in acknowledgments(interchange=interchange, read=read, partner=partner):
        outbound_enqueue(partner=partner, messages=messages, actor=actor, subject=subject)


def _message_apply(interchange: Interchange, partner: Partner, read: ReadMessage, actor) -> dict:
    message = Message.of(read, interchange=interchange, partner=partner)
    _run(message, read, partner, actor)
    audited(message, actor).save()
    return message_answer(message)


def _run(message: Message, read: ReadMessage, partner: Partner, actor) -> None:
    """Applies the message in a savepoint: accepted (with the containers it could not take) or rejected whole."""
    message.processed_at = timezone.now()
    handler = HANDLERS.get(read.type)
    try:
        if handler is None:
            raise MessageRefused(
                code="edi_type_unsupported",
                detail=_("%(type)s is not a message this terminal reads") % {"type": read.type},
            )
        if partner.sends and read.type not in partner.sends:
            raise MessageRefused(
                code="edi_type_not_agreed",
                detail=_("%(partner)s is not set up to send %(type)s") % {"partner": partner.code, "type": read.type},
            )
        with transaction.atomic():
            outcome = handler(read, partner=partner, actor=actor)
    except DomainError as error:
        message.status, message.effects = Message.Status.REJECTED, {}
        message.problems = [
            _problem(getattr(error, "segment", "") or f"UNH {read.reference}", error.code, error.detail)
        ]
        return
    message.status, message.problems = Message.Status.ACCEPTED, outcome.problems
    message.effects, message.subject = outcome.effects, outcome.subject[:60]


def message_answer(message: Message) -> dict:
    return {
        "id": message.pk,
        "type": message.type,
        "reference": message.reference,
        "status": message.status,
        "problems": message.problems,
        "effects": message.effects,
    }


@translation.override(PARTNER_LANGUAGE)
@transaction.atomic
def message_reprocess(*, message_id: int, actor: AbstractBaseUser) -> Message:
    """A rejected message applied again, once its master data is fixed (a call announced, a vessel corrected)."""
    with lock_wait(_("EDI message %(id)s") % {"id": message_id}):
        message = (
            Message.objects.select_for_update(of=("self",)).select_related("partner").filter(pk=message_id).first()
        )
    if message is None:
        raise MessageNotFound(message=message_id)
    if message.status != Message.Status.REJECTED or message.partner is None:
        raise MessageNotRejected(message=message.pk, status=message.get_status_display().lower())
    read = segment_messages(message.raw)[0]
    _run(message, read, message.partner, actor)
    audited(message, actor, _("processed again")).save()
    if "APERAK" in message.partner.receives and message.partner.active:  # the partner learns the new outcome
        outbound_enqueue(
            partner=message.partner, messages=[aperak(message=message)], actor=actor, subject=message.reference
        )
    return message


@transaction.atomic
def partner_register(
    *,
    code: str,
    name: str,
    kind: str,
    unb_id: str,
    actor: AbstractBaseUser,
    sends: list[str] | None = None,
    receives: list[str] | None = None,
    users: list | None = None,
) -> Partner:
    """A partner as set up first (seeding, a script), with the users who act for it; one that exists already is
    left as the operators keep it (users are only added)."""
    code = code.strip().upper()
    partner = Partner.objects.filter(code=code).first()
    if partner is None:
        partner = Partner(
            code=code,
            name=name,
            kind=kind,
            unb_id=unb_id.strip(),
            sends=list(sends or []),
            receives=list(receives or []),
        )
        audited(partner, actor, _("partner set up")).save()
    if users:
        partner.users.add(*users)
    return partner


# --- Outbox ---------------------------------------------------------------------------------------------------


def _next_reference(partner: Partner) -> int:
    """Our next UNB control reference to this partner: unique per partner, even when two events report at once."""
    with lock_wait(_("EDI partner %(code)s") % {"code": partner.code}):
        locked = Partner.objects.select_for_update().get(pk=partner.pk)
    reference = locked.next_reference
    Partner.objects.filter(pk=partner.pk).update(next_reference=reference + 1)
    return reference


@transaction.atomic  # the caller's transaction when there is one (the event and its report commit together)
def outbound_enqueue(
    *, partner: Partner, messages: list[Outgoing], actor: AbstractBaseUser, subject: str = ""
) -> Interchange:
    """An outbound interchange in the outbox, in the caller's transaction; delivered by `edi.tasks`."""
    reference = str(_next_reference(partner)).zfill(6)
    for index, message in enumerate(messages, start=1):
        message.reference = message.reference or f"{reference}{index:02d}"
    prepared = timezone.now().strftime("%y%m%d:%H%M")
    raw = interchange_write(
        sender=settings.EDI_TERMINAL_ID,
        recipient=partner.unb_id,
        reference=reference,
        prepared=prepared,
        messages=messages,
    )
    interchange = Interchange(
        direction=OUT,
        partner=partner,
        sender=settings.EDI_TERMINAL_ID,
        recipient=partner.unb_id,
        control_reference=reference,
        raw=raw,
        status=Interchange.Status.PENDING,
        next_attempt_at=timezone.now(),
        created_by=actor,
    )
    audited(interchange, actor, _("written")).save()
    for read in segment_messages(raw):
        audited(
            Message.of(
                read,
                interchange=interchange,
                partner=partner,
                subject=subject[:60],
                status=Message.Status.OUTBOUND,
            ),
            actor,
        ).save()
    return interchange


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: 1, 2, 4, ... minutes, at most an hour."""
    return timedelta(seconds=min(settings.EDI_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), 3600))
