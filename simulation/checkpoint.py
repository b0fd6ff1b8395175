"""Checkpoints of a simulation run: what `simulate --resume` continues from.

A checkpoint is one JSON file holding the run's identity (seed, days, volume, strategy, start, the traffic
model's parameters and a digest of the traffic they generate, the container numbers the traffic had to avoid,
the database it runs on), the number of simulated days finished, and the simulation's state at the end of the
last one: the figures so far, the bookkeeping (which box stands where in the run's eyes, bookings, vessels on
their way, loading lines) and the pending steps (retries, moves under way, departures to come). The traffic
itself is not stored: the same seed and parameters generate it again, and the digest proves they did.

Values are written with a small tagged encoding (`Codec`), never pickle: a checkpoint is data, readable and
safe to open. Only the types below are written; anything else is a bug in the simulation and fails loudly at
the first day's end, not at resume. Objects of the traffic (a box's plan, an event, a vessel call) are written
as references into the regenerated traffic, and the simulation's own methods (a pending step's action) by name.

The file is replaced atomically: written to `<file>.pending` (and flushed to disk) inside the day's database
transaction, renamed over `<file>` once the transaction has committed (`simulation.runner` decides what a
leftover pending file means).
"""

import dataclasses
import functools
import hashlib
import json
import os
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from simulation.traffic import BoxPlan, Traffic, VesselAnnouncement, VesselArrival

FORMAT = 1  # raised whenever what a checkpoint holds changes: an older file is refused, not misread
TAG = "__t"


class CheckpointError(Exception):
    """A checkpoint that cannot be used: the message says why, for the person resuming."""


def traffic_digest(traffic: Traffic) -> str:
    """A fingerprint of the generated events: a resumed run checks it regenerated the same traffic."""
    return hashlib.sha256(repr(traffic.events).encode()).hexdigest()


class Codec:
    """Turns the simulation's state into JSON values and back. `owner` is the simulation (its methods are written
    by name), `traffic` the run's traffic (its objects by reference), `classes` the dataclasses written by value."""

    def __init__(self, owner: object, traffic: Traffic | None, classes: tuple[type, ...]) -> None:
        self.owner = owner
        self.traffic = traffic
        self.classes = {cls.__name__: cls for cls in classes}
        events = traffic.events if traffic else ()
        self.events = {id(event): index for index, event in enumerate(events)}
        self.calls = {
            id(event.call): index
            for index, event in enumerate(events)
            if isinstance(event, VesselAnnouncement | VesselArrival)
        }

    def encode(self, value: object) -> object:
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if isinstance(value, datetime):
            zone = value.tzinfo.key if isinstance(value.tzinfo, ZoneInfo) else None
            return {TAG: "datetime", "v": value.isoformat(), "zone": zone}
        if isinstance(value, list):
            return [self.encode(item) for item in value]
        if isinstance(value, tuple):
            return {TAG: "tuple", "v": [self.encode(item) for item in value]}
        if isinstance(value, set | frozenset):
            return {TAG: "set", "v": [self.encode(item) for item in sorted(value)]}
        if isinstance(value, Counter):
            return {TAG: "counter", "v": self.encode(dict(value))}
        if isinstance(value, dict):
            if all(isinstance(key, str) for key in value) and TAG not in value:
                return {key: self.encode(item) for key, item in value.items()}
            return {TAG: "dict", "v": [[self.encode(key), self.encode(item)] for key, item in value.items()]}
        if reference := self._reference(value):
            return reference
        if isinstance(value, functools.partial) and not value.keywords:
            return {TAG: "partial", "func": self.encode(value.func), "args": self.encode(value.args)}
        if self.owner is not None and getattr(value, "__self__", None) is self.owner and callable(value):
            return {TAG: "method", "v": value.__name__}
        if dataclasses.is_dataclass(value) and self.classes.get(type(value).__name__) is type(value):
            fields = {f.name: self.encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
            return {TAG: "dataclass", "type": type(value).__name__, "v": fields}
        raise TypeError(f"a checkpoint cannot hold {type(value).__name__}: {value!r:.200}")

    def _reference(self, value: object) -> dict | None:
        if self.traffic is None:
            return None
        if isinstance(value, BoxPlan) and self.traffic.boxes.get(value.number) is value:
            return {TAG: "box", "v": value.number}
        if id(value) in self.events and self.traffic.events[self.events[id(value)]] is value:
            return {TAG: "event", "v": self.events[id(value)]}
        if id(value) in self.calls and self.traffic.events[self.calls[id(value)]].call is value:
            return {TAG: "call", "v": self.calls[id(value)]}
        return None

    def decode(self, data: object) -> object:
        if isinstance(data, list):
            return [self.decode(item) for item in data]
        if not isinstance(data, dict):
            return data
        tag = data.get(TAG)
        if tag is None:
            return {key: self.decode(item) for key, item in data.items()}
        value = data.get("v")
        match tag:
            case "datetime":
                moment = datetime.fromisoformat(value)
                return moment.astimezone(ZoneInfo(data["zone"])) if data.get("zone") else moment
            case "tuple":
                return tuple(self.decode(item) for item in value)
            case "set":
                return {self.decode(item) for item in value}
            case "counter":
                return Counter(self.decode(value))
            case "dict":
                return {self.decode(key): self.decode(item) for key, item in value}
            case "box":
                return self.traffic.boxes[value]
            case "event":
                return self.traffic.events[value]
            case "call":
                return self.traffic.events[value].call
            case "partial":
                return functools.partial(self.decode(data["func"]), *self.decode(data["args"]))
            case "method":
                return getattr(self.owner, value)
            case "dataclass":
                cls = self.classes[data["type"]]
                return cls(**{name: self.decode(item) for name, item in value.items()})
        raise CheckpointError(_("the checkpoint holds a value this version cannot read (%(tag)s)") % {"tag": tag})


class CheckpointFile:
    """The checkpoint's file and its pending successor, written while a day's transaction is still open."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.pending = self.path.with_name(self.path.name + ".pending")

    def read(self, *, pending: bool = False) -> dict | None:
        """The checkpoint (or the pending one), None if there is none."""
        path = self.pending if pending else self.path
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            detail = _("%(path)s is not a readable checkpoint (%(error)s)") % {"path": path, "error": error}
            raise CheckpointError(detail) from error
        if not isinstance(content, dict):
            raise CheckpointError(_("%(path)s is not a checkpoint") % {"path": path})
        if content.get("format") != FORMAT:
            raise CheckpointError(
                _(
                    "%(path)s was written by another version of the simulator (format %(format)s, this one reads "
                    "%(reads)s): it cannot be resumed with this one"
                )
                % {"path": path, "format": repr(content.get("format")), "reads": FORMAT}
            )
        return content

    def prepare(self, content: dict) -> None:
        """Writes the next checkpoint beside the current one, on disk before the day's transaction commits."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.pending, "w", encoding="utf-8") as file:
            json.dump(content, file, separators=(",", ":"))
            file.flush()
            os.fsync(file.fileno())

    def commit(self) -> None:
        """The day is committed: its checkpoint becomes the checkpoint."""
        os.replace(self.pending, self.path)

    def discard_pending(self) -> None:
        self.pending.unlink(missing_ok=True)
