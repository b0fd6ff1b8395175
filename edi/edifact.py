"""UN/EDIFACT interchanges: read (through pydifact's parser), check the envelope, and write.

Reading is tolerant where partners differ (a UNA or none, release characters, D.95B or D.00B, newlines after
segment terminators) and strict where it matters: an interchange whose envelope does not add up (UNB without
UNZ, a message count or a segment count that disagrees, references that do not match) cannot be read, and
nothing of it is applied. Pure Python, no Django: the problems' details are for people, written through the
`gettext` the caller passes (English as written when none is given).
"""

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from pydifact.exceptions import EDISyntaxError
from pydifact.parser import Parser

Element = str | list[str]

# UNOA/UNOB defaults (ISO 9735): component ':', element '+', decimal '.', release '?', terminator "'".
COMPONENT, ELEMENT, RELEASE, TERMINATOR = ":", "+", "?", "'"


@dataclass
class Segment:
    tag: str
    elements: list[Element]

    def get(self, index: int, component: int | None = None) -> str:
        """An element (or one of its components) as text; '' when absent."""
        if index >= len(self.elements):
            return ""
        value = self.elements[index]
        if component is None:
            return value[0] if isinstance(value, list) else value
        if isinstance(value, list):
            return value[component] if component < len(value) else ""
        return value if component == 0 else ""

    def __str__(self) -> str:
        return segment_text(self.tag, *self.elements).rstrip("\n").rstrip(TERMINATOR)


@dataclass
class ReadMessage:
    type: str
    reference: str
    version: str
    segments: list[Segment]  # between UNH and UNT

    @property
    def function(self) -> str:
        bgm = next((segment for segment in self.segments if segment.tag == "BGM"), None)
        return bgm.get(0, 0) if bgm else ""

    def raw(self) -> str:
        unh = Segment("UNH", [self.reference, self.version.split(":") if self.version else [self.type]])
        unt = Segment("UNT", [str(len(self.segments) + 2), self.reference])
        return "".join(segment_text(s.tag, *s.elements) for s in [unh, *self.segments, unt])


@dataclass
class ReadInterchange:
    sender: str
    recipient: str
    control_reference: str
    syntax: str
    messages: list[ReadMessage] = field(default_factory=list)


class Unreadable(Exception):
    """The interchange cannot be read: its problems ({segment, code, detail}); the sender and reference if known."""

    def __init__(self, problems: list[dict], sender: str = "", control_reference: str = "") -> None:
        super().__init__("; ".join(problem["detail"] for problem in problems))
        self.problems, self.sender, self.control_reference = problems, sender, control_reference


def _problem(segment: str, code: str, detail: str) -> dict:
    return {"segment": segment, "code": code, "detail": detail}


def _as_written(message: str) -> str:
    return message


def _segments(text: str) -> list[Segment]:
    with warnings.catch_warnings():  # pydifact warns that it has no XML directory for validation: we check ourselves
        warnings.simplefilter("ignore")
        parsed = list(Parser().parse(text))
    return [Segment(s.tag.upper(), list(s.elements)) for s in parsed if s.tag.upper() != "UNA"]


def _service_characters(text: str) -> tuple[str, str, str, str]:
    """Component, element, release and terminator: from the UNA if there is one."""
    if text.startswith("UNA") and len(text) >= 9:
        return text[3], text[4], text[6], text[8]
    return COMPONENT, ELEMENT, RELEASE, TERMINATOR


def envelope_peek(text: str) -> tuple[str, str]:
    """The UNB sender and control reference, read before anything else (to store the interchange and to know a
    repeat even when the rest cannot be read). ('', '') when there is no UNB."""
    component, element, release, terminator = _service_characters(text)
    start = text.find("UNB" + element)
    if start < 0:
        return "", ""
    unescaped = rf"(?<!{re.escape(release)})"
    unb = re.split(unescaped + re.escape(terminator), text[start:], maxsplit=1)[0]
    parts = re.split(unescaped + re.escape(element), unb)
    sender = parts[2].split(component)[0] if len(parts) > 2 else ""
    reference = parts[5].split(component)[0] if len(parts) > 5 else ""
    return sender.strip(), reference.strip()


def interchange_read(text: str, gettext: Callable[[str], str] = _as_written) -> ReadInterchange:
    """The interchange with its messages; Unreadable with every envelope problem found, its details through
    `gettext` (Django's, from the service)."""
    sender, reference = envelope_peek(text)
    try:
        segments = _segments(text.strip())
    except (EDISyntaxError, ValueError, IndexError) as error:
        detail = gettext("not UN/EDIFACT: %(error)s") % {"error": error}
        raise Unreadable([_problem("", "syntax", detail)], sender, reference) from None
    problems: list[dict] = []
    if not segments or segments[0].tag != "UNB":
        detail = gettext("the interchange does not start with UNB")
        raise Unreadable([_problem("", "unb_missing", detail)], sender, reference)
    unb = segments[0]
    interchange = ReadInterchange(
        sender=unb.get(1, 0), recipient=unb.get(2, 0), control_reference=unb.get(4, 0), syntax=unb.get(0, 0)
    )
    if not interchange.sender or not interchange.control_reference:
        problems.append(_problem(str(unb), "unb_incomplete", gettext("UNB needs a sender and a control reference")))
    unz = segments[-1] if segments[-1].tag == "UNZ" else None
    if unz is None:
        detail = gettext("the interchange ends without UNZ (truncated?)")
        problems.append(_problem(str(segments[-1]), "unz_missing", detail))
    current: ReadMessage | None = None
    for segment in segments[1 : -1 if unz else None]:
        if segment.tag == "UNH":
            if current is not None:
                detail = gettext("message %(message)s has no UNT") % {"message": current.reference}
                problems.append(_problem(str(segment), "unt_missing", detail))
            current = _opened(segment)
        elif segment.tag == "UNT":
            if current is None:
                problems.append(_problem(str(segment), "unh_missing", gettext("UNT without UNH")))
                continue
            counted = len(current.segments) + 2
            if segment.get(0) != str(counted):
                problems.append(
                    _problem(
                        str(segment),
                        "unt_count",
                        gettext("UNT says %(said)s segments, message %(message)s has %(counted)s")
                        % {"said": segment.get(0), "message": current.reference, "counted": counted},
                    )
                )
            if segment.get(1) != current.reference:
                problems.append(
                    _problem(
                        str(segment),
                        "unt_reference",
                        gettext("UNT reference %(reference)s does not match UNH %(message)s")
                        % {"reference": segment.get(1), "message": current.reference},
                    )
                )
            interchange.messages.append(current)
            current = None
        elif segment.tag in ("UNG", "UNE"):
            continue  # functional groups: read through them
        elif current is None:
            problems.append(_problem(str(segment), "outside_message", gettext("a segment outside any message")))
        else:
            current.segments.append(segment)
    if current is not None:
        detail = gettext("message %(message)s has no UNT") % {"message": current.reference}
        problems.append(_problem("UNH+" + current.reference, "unt_missing", detail))
    if unz is not None:
        if unz.get(0) != str(len(interchange.messages)):
            problems.append(
                _problem(
                    str(unz),
                    "unz_count",
                    gettext("UNZ says %(said)s messages, the interchange has %(counted)s")
                    % {"said": unz.get(0), "counted": len(interchange.messages)},
                )
            )
        if unz.get(1) != interchange.control_reference:
            problems.append(_problem(str(unz), "unz_reference", gettext("UNZ reference does not match UNB")))
    if not interchange.messages and not problems:
        problems.append(_problem(str(unb), "no_message", gettext("the interchange holds no message")))
    if problems:
        raise Unreadable(problems, interchange.sender or sender, interchange.control_reference or reference)
    return interchange


def _opened(unh: Segment) -> ReadMessage:
    identifier = unh.elements[1] if len(unh.elements) > 1 else ""
    parts = identifier if isinstance(identifier, list) else [identifier]
    return ReadMessage(type=parts[0].upper(), reference=unh.get(0), version=":".join(parts), segments=[])


def segment_messages(text: str) -> list[ReadMessage]:
    """The messages (UNH ... UNT) in a text that may hold only messages, as kept per message: no envelope check."""
    messages: list[ReadMessage] = []
    current: ReadMessage | None = None
    for segment in _segments(text.strip()):
        if segment.tag == "UNH":
            current = _opened(segment)
        elif segment.tag == "UNT" and current is not None:
            messages.append(current)
            current = None
        elif current is not None:
            current.segments.append(segment)
    return messages


# --- Writing ----------------------------------------------------------------------------------------


def escape(text: str) -> str:
    for special in (RELEASE, COMPONENT, ELEMENT, TERMINATOR):
        text = text.replace(special, RELEASE + special)
    return text


def segment_text(tag: str, *elements: Element | tuple | None) -> str:
    """One segment, escaped, trailing empty elements and components dropped, ending in a terminator and a newline."""
    written = []
    for element in elements:
        if isinstance(element, list | tuple):
            components = [escape(str(c)) if c is not None else "" for c in element]
            while components and components[-1] == "":
                components.pop()
            written.append(COMPONENT.join(components))
        else:
            written.append("" if element is None else escape(str(element)))
    while written and written[-1] == "":
        written.pop()
    return ELEMENT.join([tag, *written]) + TERMINATOR + "\n"


@dataclass
class Outgoing:
    """A message to write: its type, version, reference and body segments (tag, elements...)."""

    type: str
    version: tuple[str, ...]  # e.g. ("D", "95B", "UN", "SMDG20")
    reference: str
    body: list[tuple] = field(default_factory=list)

    def add(self, tag: str, *elements) -> None:
        self.body.append((tag, *elements))


def interchange_write(
    *, sender: str, recipient: str, reference: str, prepared: str, messages: list[Outgoing], syntax: str = "UNOA"
) -> str:
    """A whole interchange: UNA, UNB, each message with its UNH and counted UNT, and UNZ with the message count."""
    parts = ["UNA:+.? '\n", segment_text("UNB", (syntax, "2"), sender, recipient, prepared.split(":"), reference)]
    for message in messages:
        parts.append(segment_text("UNH", message.reference, (message.type, *message.version)))
        parts.extend(segment_text(tag, *elements) for tag, *elements in message.body)
        parts.append(segment_text("UNT", str(len(message.body) + 2), message.reference))
    parts.append(segment_text("UNZ", str(len(messages)), reference))
    return "".join(parts)
