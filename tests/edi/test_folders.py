"""The folder channel, inbound: files a partner drops in its `in/` folder go through the inbox once each."""

import pytest

from edi import tasks
from edi.folders import folders_read
from edi.models import Interchange, Partner
from tests.edi.conftest import sample
from vessels.models import Booking

pytestmark = pytest.mark.django_db


@pytest.fixture
def cosco(tmp_path, settings, port):
    settings.EDI_TERMINAL_ID = "YOU"  # the sample COPRAR's recipient stands for this terminal
    (tmp_path / "in").mkdir()
    return Partner.objects.create(code="COS", name="COSCO", unb_id="ME", sends=["COPRAR"], channel="folder",
                                  address=str(tmp_path))  # fmt: skip


def test_a_dropped_file_is_read_once_and_moved(cosco, tmp_path, operator):
    raw = sample("COPRAR_D95B_SMDG16_generator-sample.edi")
    (tmp_path / "in" / "coprar-1.edi").write_text(raw)
    (tmp_path / "in" / ".coprar-2.edi").write_text(raw)  # still being written by the partner: not read
    (tmp_path / "in" / "broken.edi").write_text(raw[:150].replace("I5C5204015D145", "I5C5204015D999"))
    run = folders_read(actor=operator)
    assert (run.processed, run.invalid, run.failed) == (["COS/coprar-1.edi"], ["COS/broken.edi"], [])
    assert (tmp_path / "in" / "processed" / "coprar-1.edi").read_text() == raw
    assert (tmp_path / "in" / "invalid" / "broken.edi").exists()
    assert [p.name for p in (tmp_path / "in").iterdir() if p.is_file()] == [".coprar-2.edi"]
    stored = Interchange.objects.get(direction="in", control_reference="I5C5204015D145")
    assert (stored.raw, stored.partner) == (raw, cosco)
    # the same file dropped again (the worker stopped before moving it): the inbox answers it, nothing twice
    (tmp_path / "in" / "coprar-1.edi").write_text(raw)
    assert tasks.read_partner_folders() == {"processed": 1, "invalid": 0, "failed": 0}
    assert Interchange.objects.filter(direction="in", control_reference="I5C5204015D145").count() == 1
    assert not Booking.objects.exists()  # the sample's box has a wrong check digit: a problem, nothing booked


def test_a_file_from_another_sender_in_a_partners_folder_is_refused(cosco, tmp_path, operator):
    Partner.objects.create(code="OOL", name="OOCL", unb_id="LBCTI")
    (tmp_path / "in" / "baplie.edi").write_text(sample("BAPLIE_D95B_SMDG20_php-edifact-test.edi"))
    run = folders_read(actor=operator)
    assert run.invalid == ["COS/baplie.edi"]
    assert Interchange.objects.get(direction="in").problems[0]["code"] == "sender_not_yours"
