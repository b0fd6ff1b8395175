"""Answers to a partner's interchange, written into the outbox in the transaction that processed it.

- CONTRL (syntax and service report): the interchange as a whole, accepted (UCI action 7), or rejected (action 4)
  with the first envelope problem's syntax error code and the service segment it was found in. An interchange that
  cannot be read is rejected this way when its UNB names a known partner.
- APERAK (application error and acknowledgement), one per message: accepted (BGM function 29) or not accepted (27),
  with each problem as an ERC (our problem code, as the API answers it) and an FTX with the segment and the detail.

Each goes only to a partner whose `receives` lists it; a repeated interchange is answered once.
"""

from django.conf import settings
from django.utils import timezone

from edi.edifact import Outgoing, ReadInterchange
from edi.models import Interchange, Message, Partner

CONTRL_VERSION = ("D", "3", "UN")
APERAK_VERSION = ("D", "95B", "UN")
ACCEPTED, REJECTED = "7", "4"

# Our envelope problem codes as ISO 9735 syntax error codes (0085), with the service segment they concern.
SYNTAX_ERRORS = {
    "syntax": ("18", ""),  # unspecified error
    "unb_missing": ("13", "UNB"),  # missing
    "unb_incomplete": ("13", "UNB"),
    "unz_missing": ("13", "UNZ"),
    "unh_missing": ("13", "UNH"),
    "unt_missing": ("13", "UNT"),
    "unt_count": ("29", "UNT"),  # control count does not match
    "unz_count": ("29", "UNZ"),
    "unt_reference": ("28", "UNT"),  # references do not match
    "unz_reference": ("28", "UNZ"),
    "no_message": ("32", "UNB"),  # lower level empty
    "recipient_unknown": ("7", "UNB"),  # interchange recipient not actual recipient
}


def contrl(*, interchange: Interchange, recipient: str, problems: list[dict]) -> Outgoing:
    message = Outgoing("CONTRL", CONTRL_VERSION, reference="")
    parties = (interchange.sender, recipient or settings.EDI_TERMINAL_ID)
    if not problems:
        message.add("UCI", interchange.control_reference, *parties, ACCEPTED)
        return message
    error, tag = SYNTAX_ERRORS.get(problems[0].get("code", ""), ("18", ""))
    message.add("UCI", interchange.control_reference, *parties, REJECTED, error, tag)
    return message


def _pieces(text: str, size: int = 70, count: int = 4) -> list[str]:
    """Free text cut to FTX's components (an..70 each in D.95B)."""
    return [text[start : start + size] for start in range(0, min(len(text), size * count), size)]


def aperak(*, message: Message) -> Outgoing:
    accepted = message.status == Message.Status.ACCEPTED
    answer = Outgoing("APERAK", APERAK_VERSION, reference="")
    answer.add("BGM", "305", f"{message.interchange.control_reference}-{message.reference}", "29" if accepted else "27")
    answer.add("DTM", ("137", timezone.localtime().strftime("%Y%m%d%H%M"), "203"))
    answer.add("RFF", ("ACW", message.reference))  # the message answered (its UNH reference)
    answer.add("NAD", "MS", settings.EDI_TERMINAL_ID)
    for problem in message.problems:
        answer.add("ERC", (problem.get("code", ""), "", "ZZZ"))  # our own codes: mutually defined (ZZZ)
        answer.add("FTX", "AAO", None, None, _pieces(f"{problem.get('segment', '')} {problem.get('detail', '')}"))
    return answer


def _receiving(partner: Partner | None, message_type: str) -> bool:
    return partner is not None and partner.active and message_type in partner.receives


def acknowledgments(
    *, interchange: Interchange, read: ReadInterchange | None, partner: Partner | None
) -> list[list[Outgoing]]:
    """The answers an interchange just processed (or found unreadable) gets, one interchange each: a CONTRL, then
    the APERAKs of its messages, as far as the partner receives them."""
    answers = []
    problems = interchange.problems if interchange.status == Interchange.Status.INVALID else []
    if _receiving(partner, "CONTRL"):
        recipient = read.recipient if read is not None else interchange.recipient
        answers.append([contrl(interchange=interchange, recipient=recipient, problems=problems)])
    messages = interchange.messages.order_by("pk")
    if not problems and _receiving(partner, "APERAK") and messages:
        answers.append([aperak(message=message) for message in messages])
    return answers
