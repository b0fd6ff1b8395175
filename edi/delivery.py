"""Delivery of the outbox: due interchanges sent by each partner's channel, retried with backoff, given up at last.

A run claims due interchanges in one short transaction (SKIP LOCKED, so workers share the outbox): each claimed
one counts an attempt and is leased (its next attempt put off by EDI_SEND_LEASE_SECONDS), then the transaction
commits. Only then is anything sent, with no row locked; the outcome is recorded in another short transaction.
A worker that dies mid-send leaves a leased interchange that comes due again when the lease ends: delivery is at
least once, so partners know a repeat by its UNB control reference.

A partner's interchanges go out in the order they were written: one waiting for its retry (or leased) holds back
the later ones, and a failure in a run puts that partner's other claimed interchanges back untouched.

Failed: `last_error` (never the credential) and the next attempt after `retry_delay`; after EDI_MAX_ATTEMPTS the
interchange is `dead`, the dead-letter list, until `interchange_resend` puts it back.
"""

import base64
import ipaddress
import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aktau_tos.audit import audited
from aktau_tos.locking import lock_wait
from edi.errors import InterchangeNotFound, InterchangeNotResendable
from edi.models import Interchange, Partner
from edi.services import retry_delay

OUT, PENDING = Interchange.Direction.OUT, Interchange.Status.PENDING
logger = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """The partner's channel did not take the interchange; the message is safe to record (no credential)."""


@dataclass
class Run:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)
    held_back: list[int] = field(default_factory=list)


def _due(now):
    """Pending interchanges due now whose partner has no earlier one still waiting (for a retry, or in a lease)."""
    waiting_before = Interchange.objects.filter(
        direction=OUT, status=PENDING, partner=OuterRef("partner"), pk__lt=OuterRef("pk"), next_attempt_at__gt=now
    )
    return Interchange.objects.filter(direction=OUT, status=PENDING, next_attempt_at__lte=now).exclude(
        Exists(waiting_before)
    )


def outbox_claim(*, limit: int = 50) -> list[Interchange]:
    """Due interchanges, each with one more attempt counted and leased to this run; committed before returning."""
    now = timezone.now()
    with transaction.atomic():
        due = _due(now).order_by("next_attempt_at", "pk").select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        lease = now + timedelta(seconds=settings.EDI_SEND_LEASE_SECONDS)
        # A plain update: a claim is bookkeeping, not a change anyone audits (the outcome is recorded with history).
        Interchange.objects.filter(pk__in=ids).update(attempts=F("attempts") + 1, next_attempt_at=lease)
    claimed = Interchange.objects.filter(pk__in=ids).select_related("partner")
    return sorted(claimed, key=lambda interchange: (interchange.partner_id, interchange.pk))


# --- Channels ---------------------------------------------------------------------------------------------------


def file_name(interchange: Interchange) -> str:
    return f"{interchange.partner.code}-{interchange.control_reference}.edi"


def _to_folder(interchange: Interchange, partner: Partner) -> None:
    """Written under a temporary name in the partner's `out/` folder, then renamed: a partner polling it never sees
    half a file. (Its `in/` folder is where it drops interchanges for us: edi.folders.)"""
    if not partner.address or not Path(partner.address).is_dir():
        raise DeliveryFailed(_("the folder %(folder)s does not exist") % {"folder": partner.address})
    folder = Path(partner.address) / "out"
    folder.mkdir(exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".", suffix=".part", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="latin-1", errors="replace", newline="") as out:
            out.write(interchange.raw)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, folder / file_name(interchange))
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise DeliveryFailed(_("cannot write the file: %(error)s") % {"error": error.strerror or error}) from None


def _authorization(credential: str) -> dict:
    """`user:password` is sent as HTTP Basic, anything else as a bearer token."""
    if not credential:
        return {}
    if ":" in credential:
        return {"Authorization": "Basic " + base64.b64encode(credential.encode()).decode()}
    return {"Authorization": f"Bearer {credential}"}


def _plain_http_allowed(url: str) -> bool:
    """Plain HTTP only to this machine (a local relay, the tests); anywhere else the credential needs TLS."""
    host = urlsplit(url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _to_https(interchange: Interchange, partner: Partner) -> None:
    url = partner.address
    scheme = urlsplit(url).scheme
    if scheme != "https" and not (scheme == "http" and _plain_http_allowed(url)):
        raise DeliveryFailed(_("the address is not an https:// URL"))
    headers = {"Content-Type": "application/edifact", **_authorization(partner.credential)}
    try:
        response = requests.post(
            url,
            data=interchange.raw.encode("latin-1", errors="replace"),
            headers=headers,
            timeout=settings.EDI_HTTP_TIMEOUT_SECONDS,
            allow_redirects=False,  # a redirect would carry the credential somewhere else
        )
    except requests.RequestException as error:
        raise DeliveryFailed(_("%(kind)s: %(error)s") % {"kind": type(error).__name__, "error": error}) from None
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(_("the endpoint answered HTTP %(status)s") % {"status": response.status_code})


def _by_email(interchange: Interchange, partner: Partner) -> None:
    if not partner.address:
        raise DeliveryFailed(_("no e-mail address"))
    message = EmailMessage(
        subject=f"UN/EDIFACT {settings.EDI_TERMINAL_ID} {interchange.control_reference}",
        body=_("Interchange %(reference)s from %(sender)s is attached.")
        % {"reference": interchange.control_reference, "sender": settings.EDI_TERMINAL_ID},
        to=[partner.address],
    )
    message.attach(file_name(interchange), interchange.raw, "application/edifact")
    try:
        message.send(fail_silently=False)
    except (OSError, ValueError) as error:  # smtplib's errors are OSErrors
        raise DeliveryFailed(_("the mail server refused it: %(error)s") % {"error": error}) from None


def _for_fetching(interchange: Interchange, partner: Partner) -> None:
    """The partner fetches its messages through the API (`GET /api/v1/edi/messages/?direction=out`): nothing to push."""


CHANNELS = {
    Partner.Channel.FOLDER: _to_folder,
    Partner.Channel.HTTPS: _to_https,
    Partner.Channel.EMAIL: _by_email,
    Partner.Channel.API: _for_fetching,
}


def send(interchange: Interchange) -> None:
    """Sends by the partner's channel; DeliveryFailed with a message that never holds the credential."""
    partner = interchange.partner
    try:
        try:
            CHANNELS[partner.channel](interchange, partner)
        except DeliveryFailed:
            raise
        except Exception as error:  # anything unforeseen fails this one interchange, not the rest of the run
            logger.exception("EDI delivery of interchange %s failed", interchange.pk)
            raise DeliveryFailed(_("%(kind)s: %(error)s") % {"kind": type(error).__name__, "error": error}) from None
    except DeliveryFailed as error:
        text = str(error)
        if partner.credential:
            text = text.replace(partner.credential, "***")
        raise DeliveryFailed(text[:300]) from None


# --- Outcomes ---------------------------------------------------------------------------------------------------


def _still_ours(claimed: Interchange) -> Interchange | None:
    """The row under lock, if it is still the claim this run made (not resent or given up meanwhile)."""
    with lock_wait(_("interchange %(reference)s") % {"reference": claimed.control_reference}):
        row = Interchange.objects.select_for_update().filter(pk=claimed.pk).first()
    if row is None or row.status != PENDING or row.attempts != claimed.attempts + 1:
        return None
    return row


@transaction.atomic
def _record_sent(claimed: Interchange, actor: AbstractBaseUser) -> None:
    if row := _still_ours(claimed):
        row.status, row.sent_at, row.next_attempt_at, row.last_error = Interchange.Status.SENT, timezone.now(), None, ""
        audited(row, actor, _("sent")).save(update_fields=["status", "sent_at", "next_attempt_at", "last_error"])


@transaction.atomic
def _record_failure(claimed: Interchange, error: str, actor: AbstractBaseUser) -> Interchange | None:
    row = _still_ours(claimed)
    if row is None:
        return None
    row.last_error = error[:300]
    if row.attempts >= settings.EDI_MAX_ATTEMPTS:
        row.status, row.next_attempt_at = Interchange.Status.DEAD, None
        reason = ngettext("given up after %(attempts)s attempt", "given up after %(attempts)s attempts", row.attempts)
        reason %= {"attempts": row.attempts}
    else:
        row.next_attempt_at = timezone.now() + retry_delay(row.attempts)
        reason = _("not delivered; tried again later")
    audited(row, actor, reason).save(update_fields=["status", "next_attempt_at", "last_error"])
    return row


@transaction.atomic
def _hold_back(claimed: Interchange, until) -> None:
    """Back to pending as it was, without the attempt this run counted: its partner failed on an earlier one."""
    Interchange.objects.filter(pk=claimed.pk, status=PENDING, attempts=claimed.attempts + 1).update(
        attempts=F("attempts") - 1, next_attempt_at=until
    )


def outbox_deliver(*, actor: AbstractBaseUser, limit: int = 50) -> Run:
    """One run: claim, send each (no lock held), record each outcome."""
    run = Run()
    failed_partners: dict[int, object] = {}
    for interchange in outbox_claim(limit=limit):
        # `attempts` as read back after the claim already counts this attempt: keep the count before it.
        interchange.attempts -= 1
        if interchange.partner_id in failed_partners:
            _hold_back(interchange, failed_partners[interchange.partner_id])
            run.held_back.append(interchange.pk)
            continue
        try:
            send(interchange)
        except DeliveryFailed as error:
            row = _record_failure(interchange, str(error), actor)
            if row is not None and row.status == Interchange.Status.DEAD:
                run.dead.append(interchange.pk)
            else:
                run.failed.append(interchange.pk)
            failed_partners[interchange.partner_id] = (row and row.next_attempt_at) or timezone.now()
            continue
        _record_sent(interchange, actor)
        run.sent.append(interchange.pk)
    return run


@transaction.atomic
def interchange_resend(*, interchange_id: int, actor: AbstractBaseUser) -> Interchange:
    """A given-up (dead) or already sent outbound interchange back in the outbox, due now, its attempts reset."""
    with lock_wait(_("interchange %(id)s") % {"id": interchange_id}):
        interchange = Interchange.objects.select_for_update().filter(pk=interchange_id, direction=OUT).first()
    if interchange is None:
        raise InterchangeNotFound(interchange=interchange_id)
    if interchange.status not in (Interchange.Status.DEAD, Interchange.Status.SENT):
        raise InterchangeNotResendable(
            interchange=interchange.control_reference, status=interchange.get_status_display().lower()
        )
    interchange.status, interchange.attempts, interchange.next_attempt_at = PENDING, 0, timezone.now()
    interchange.last_error = ""
    audited(interchange, actor, _("to be sent again")).save(
        update_fields=["status", "attempts", "next_attempt_at", "last_error"]
    )
    return interchange
