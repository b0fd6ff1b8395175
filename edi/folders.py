"""The folder channel, inbound: partners who exchange files (as SFTP drops work) put their interchanges in
`<address>/in/`; we read each one through the inbox and move it to `in/processed/` (or `in/invalid/` when it
cannot be read). Outbound files go to `<address>/out/` (edi.delivery).

The inbox stores the raw text before anything else and answers a repeat with its first answer, so a file read
twice (the worker stopped between storing it and moving it) is applied once.
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from edi.errors import EdiInvalid
from edi.models import Partner
from edi.services import interchange_receive

logger = logging.getLogger(__name__)

INBOUND, OUTBOUND, PROCESSED, INVALID = "in", "out", "processed", "invalid"


@dataclass
class FolderRun:
    processed: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _waiting(folder: Path) -> list[Path]:
    """Whole files only: a partner writing under a dot-name or a .part suffix has not finished."""
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".") and p.suffix != ".part"]
    return sorted(files, key=lambda path: (path.stat().st_mtime, path.name))


def _move(path: Path, to: str) -> None:
    target = path.parent / to
    target.mkdir(exist_ok=True)
    path.replace(target / path.name)


def folders_read(*, actor: AbstractBaseUser) -> FolderRun:
    """Reads every waiting file of every active folder partner, oldest first."""
    run = FolderRun()
    for partner in Partner.objects.filter(active=True, channel=Partner.Channel.FOLDER).exclude(address=""):
        for path in _waiting(Path(partner.address) / INBOUND):
            name = f"{partner.code}/{path.name}"
            data = path.read_bytes()[: settings.EDI_MAX_BYTES + 1]
            if len(data) > settings.EDI_MAX_BYTES:
                logger.warning("EDI file %s is larger than EDI_MAX_BYTES; moved to %s", name, INVALID)
                _move(path, INVALID)
                run.invalid.append(name)
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
            try:
                interchange_receive(raw=text, actor=actor, acting_for=partner)
            except EdiInvalid:
                _move(path, INVALID)
                run.invalid.append(name)
                continue
            except Exception:  # left in place and tried again next run; the rest of the folder goes on
                logger.exception("EDI file %s could not be processed", name)
                run.failed.append(name)
                continue
            _move(path, PROCESSED)
            run.processed.append(name)
    return run
