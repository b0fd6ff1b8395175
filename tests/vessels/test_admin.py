"""The operators' vessel screens: the berth schedule, a call's page (progress, bay plan), list uploads as CSV and
XLSX through the list services, the call's actions through the call services, and who may use them."""

import io
import re
from datetime import datetime, time, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from aktau_tos import roles
from tests.factories.yard import valid_number
from tests.vessels.conftest import IMO
from vessels import drawings, listfiles, services
from vessels.models import Booking, OnBoard, StowageProfile, Vessel, VesselCall
from yard.models import CarrierVisit, YardMove

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def manager_client(client, user_with_role):
    client.force_login(user_with_role(roles.MANAGER, is_staff=True))
    return client


@pytest.fixture
def call(port, operator, window) -> VesselCall:
    eta, etd = window
    vessel = services.vessel_register(name="Turkestan", imo=IMO, line="KMTF", actor=operator)
    return services.call_create(
        vessel=vessel, voyage_in="0412E", voyage_out="0412W", berth="CB1", eta=eta, etd=etd, actor=operator,
        rotation=["AZBAK", "TMKRW"],
    )  # fmt: skip


def box(n: int, cell: str, pod: str = "KZAAU", iso_type: str = "22G1", **extra) -> dict:
    return {"number": valid_number(n, "CSQ"), "iso_type": iso_type, "gross_kg": 20_000, "stowage": cell,
            "pol": "AZBAK", "pod": pod, **extra}  # fmt: skip


def page_of(call: VesselCall) -> str:
    return reverse("admin:vessels_vesselcall_change", args=[call.pk])


def action_url(call: VesselCall, action: str) -> str:
    return reverse("admin:vessels_call_action", args=[call.pk, action])


def upload_url(call: VesselCall, kind: str) -> str:
    return reverse("admin:vessels_call_upload", args=[call.pk, kind])


def shown(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def csv_file(rows: list[list], name: str = "list.csv") -> SimpleUploadedFile:
    text = "\r\n".join(",".join(str(cell) for cell in row) for row in rows) + "\r\n"
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def xlsx_file(rows: list[list], name: str = "list.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


DISCHARGE_HEADER = ["number", "iso_type", "gross_kg", "freight_kind", "stowage", "pol", "pod", "seal",
                    "temperature_c", "dg_un_number", "dg_class"]  # fmt: skip


def _drawn(page: str, kind: str) -> list[str]:
    """The containers drawn as on-board (or planned) boxes in the bay plan's SVG."""
    return re.findall(rf'<g class="box {kind}[^"]*" data-container="(\w+)"', page)


# The call's page


def test_the_call_page_shows_header_progress_and_the_bay_plan(operator_client, operator, call):
    rows = [
        box(1, "010102"),                                                   # for this port
        box(2, "010104", pod="AZBAK"),                                     # through, on box 1: a restow
        box(3, "030102", pod="TMKRW", dangerous_goods=[{"un_number": "1203", "class": "3"}]),
        box(4, "010182", pod="AZBAK", iso_type="22R1", temperature_c="-18"),
        box(5, "060102", pod="AZBAK", iso_type="45G1", gross_kg=31_500),   # a 40' over bays 05 and 07
    ]  # fmt: skip
    result = services.discharge_list_apply(call_id=call.pk, containers=rows, actor=operator)
    assert result.problems == []
    page = operator_client.get(page_of(call)).content.decode()
    assert 'id="call-status">Expected<' in page
    assert "TURKESTAN 0412E / 0412W" in page
    assert re.search(r'id="progress-discharge"><th>Discharge</th><td>1</td><td>0</td>', page)
    assert sorted(_drawn(page, "onboard")) == sorted(OnBoard.objects.values_list("container", flat=True))
    dg_box = re.search(rf'<g class="([^"]*)" data-container="{rows[2]["number"]}" data-cell="030102">'
                       r"<title>([^<]*)</title>", page)  # fmt: skip
    assert "dg" in dg_box.group(1).split() and "UN 1203/3" in dg_box.group(2) and "20,000 kg" in dg_box.group(2)
    reefer = re.search(rf'<g class="([^"]*)" data-container="{rows[3]["number"]}"', page).group(1)
    assert "reefer" in reefer.split()
    restow = re.search(rf'<g class="([^"]*)" data-container="{rows[1]["number"]}"', page).group(1)
    assert "restow" in restow.split()
    # Ports of discharge coloured in the call's order: this port, then the rotation.
    legend = re.findall(r'data-pod="(\w+)"><svg class="swatch (pod-\d+)"', page)
    assert legend == [("KZAAU", "pod-0"), ("AZBAK", "pod-1"), ("TMKRW", "pod-2")]
    forty = re.search(rf'data-container="{rows[4]["number"]}" data-cell="060102"><title>[^<]*</title>'
                      r'<rect x="\d+" y="\d+" width="(\d+)"', page)  # fmt: skip
    assert int(forty.group(1)) == 2 * drawings.HALF_W - 2  # both 20' halves of its row, less the gaps
    assert page.count('class="bay-section"') == 2  # bays 01/03 and 05/07
    assert 'name="action" value="arrive"' in page and 'id="upload-discharge"' in page
    assert page.count(">restowed<") == OnBoard.objects.filter(restow=True).count() >= 1  # a word for each restow
    assert "icon-no.svg" not in page  # and no red cross on every box that needs none
    kpis = re.search(r'id="call-kpis">(.*?)</section>', page, re.S).group(1)
    assert "Gross crane rate" in kpis and "Vessel turnaround" in kpis and "TIC 4.0" in kpis


def test_planned_loads_are_drawn_apart_from_boxes_on_board(operator_client, operator, call, put):
    services.discharge_list_apply(call_id=call.pk, containers=[box(1, "010102", pod="AZBAK")], actor=operator)
    exports = [put(f"A-0{bay}-01-1") for bay in (1, 2)]
    rows = [{"number": visit.container.number, "pod": "TMKRW", "vgm_kg": 15_000} for visit in exports]
    services.load_list_apply(call_id=call.pk, containers=rows, actor=operator)
    services.stowage_plan_build(call_id=call.pk, actor=operator)
    page = operator_client.get(page_of(call)).content.decode()
    assert _drawn(page, "onboard") == [valid_number(1, "CSQ")]
    planned = Booking.objects.filter(status="planned")
    assert sorted(_drawn(page, "planned")) == sorted(planned.values_list("container", flat=True))
    assert len(planned) == 2 and "planned load no. 1" in page


def test_a_manager_sees_the_call_but_has_no_actions_nor_uploads(manager_client, call):
    page = manager_client.get(page_of(call))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="call-bay-plan"' in body and 'id="call-actions"' not in body and 'id="call-uploads"' not in body
    for action in ("arrive", "plan", "cancel", "depart"):
        assert manager_client.post(action_url(call, action), {"reason": "x"}).status_code == 403
    upload = csv_file([DISCHARGE_HEADER, list(box(1, "010102").values())])
    assert manager_client.post(upload_url(call, "discharge"), {"file": upload}).status_code == 403
    call.carrier.refresh_from_db()
    assert call.carrier.status == "expected" and not OnBoard.objects.exists()


def test_nobody_adds_or_deletes_calls_boxes_or_bookings_here(operator_client, operator, call):
    services.discharge_list_apply(call_id=call.pk, containers=[box(1, "010102")], actor=operator)
    on_board = OnBoard.objects.get()
    assert operator_client.get(reverse("admin:vessels_vesselcall_add")).status_code == 403
    assert operator_client.get(reverse("admin:vessels_vesselcall_delete", args=[call.pk])).status_code == 403
    assert operator_client.get(reverse("admin:vessels_onboard_delete", args=[on_board.pk])).status_code == 403
    assert operator_client.get(reverse("admin:vessels_onboard_changelist")).status_code == 200
    assert operator_client.get(reverse("admin:vessels_booking_changelist")).status_code == 200
    # The berth and times are not editable on the call's form: only the services move a call.
    page = operator_client.get(page_of(call)).content.decode()
    assert 'name="etd"' not in page and 'name="berth"' not in page and 'name="rotation"' in page


def test_the_call_form_saves_what_may_change_here(operator_client, operator, call):
    services.discharge_list_apply(call_id=call.pk, containers=[box(1, "010102")], actor=operator)
    page = operator_client.get(page_of(call))
    body = {"line": "KMTF", "voyage_out": "0412W", "rotation": '["TMKRW", "AZBAK"]', "_continue": "1"}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        body.update({management.add_prefix(name): value for name, value in management.initial.items()})
        for form in inline.formset.forms:
            body[form.add_prefix("id")] = form.instance.pk
            body[form.add_prefix("call")] = call.pk
    response = operator_client.post(page_of(call), body)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    call.refresh_from_db()
    assert (call.rotation, call.line) == (["TMKRW", "AZBAK"], "KMTF")
    assert OnBoard.objects.count() == 1


# Uploads


def test_a_csv_discharge_list_is_applied_through_the_service_with_problems_by_row(operator_client, call):
    good, through = box(1, "010102"), box(2, "030102", pod="AZBAK", seal="S1")
    rows = [DISCHARGE_HEADER]
    rows.append([good["number"], "22G1", "20000", "full", "010102", "AZBAK", "KZAAU", "SEAL1", "", "", ""])
    rows.append([through["number"], "22G1", "18000", "", "030102", "AZBAK", "AZBAK", "", "", "", ""])
    rows.append([valid_number(3, "CSQ"), "22G1", "20000", "", "010102", "AZBAK", "KZAAU", "", "", "", ""])  # taken
    rows.append(["CSQU3054384", "22G1", "20000", "", "050102", "AZBAK", "KZAAU", "", "", "", ""])  # check digit
    rows.append([valid_number(5, "CSQ"), "22G1", "20000", "bulk", "070102", "AZBAK", "KZAAU", "", "", "", ""])
    response = operator_client.post(upload_url(call, "discharge"), {"file": csv_file(rows)}, follow=True)
    assert response.redirect_chain == [(page_of(call), 302)]
    messages = shown(response)
    assert messages[0] == ("warning", "list.csv (discharge list (arrival bay plan)): 2 rows applied, 3 with a problem.")
    errors = [text for level, text in messages if level == "error"]
    assert (
        errors[0].startswith(f"Row 4, {valid_number(3, 'CSQ')}: cell 010102 already holds")
        and "cell_taken" in errors[0]
    )
    assert errors[1].startswith("Row 5, CSQU3054384") and "invalid_container_number" in errors[1]
    assert errors[2].startswith(f"Row 6, {valid_number(5, 'CSQ')}") and "invalid_freight_kind" in errors[2]
    assert dict(OnBoard.objects.values_list("container", "kind")) == {good["number"]: "discharge",
                                                                     through["number"]: "through"}  # fmt: skip
    assert YardMove.objects.get(kind="discharge").visit.seals == ["SEAL1"]


def test_an_xlsx_discharge_list_with_numbers_as_a_spreadsheet_keeps_them(operator_client, call):
    number = valid_number(1, "CSQ")
    rows = [DISCHARGE_HEADER, [number, "22R1", 21500.0, "full", 10182, "AZBAK", "AZBAK", None, -18.5, 1203, 3]]
    response = operator_client.post(upload_url(call, "discharge"), {"file": xlsx_file(rows)}, follow=True)
    assert shown(response)[0][0] == "success", shown(response)
    stowed = OnBoard.objects.get()
    assert (stowed.cell, stowed.gross_kg, str(stowed.temperature_c)) == ("010182", 21500, "-18.5")
    assert [line["un_number"] for line in stowed.dangerous_goods] == ["1203"]


def test_a_load_list_as_csv_and_as_xlsx_books_the_boxes(operator_client, call, put):
    first, second = put("A-01-01-1"), put("A-02-01-1")
    response = operator_client.post(
        upload_url(call, "load"),
        {"file": csv_file([["number", "pod", "vgm_kg"], [first.container.number, "AZBAK", "18000"],
                           [valid_number(99, "ZZZ"), "AZBAK", ""]])},
        follow=True,
    )  # fmt: skip
    messages = shown(response)
    assert "1 row applied, 1 with a problem" in messages[0][1]
    assert messages[1][0] == "error" and "Row 3" in messages[1][1] and "container_not_in_terminal" in messages[1][1]
    response = operator_client.post(
        upload_url(call, "load"),
        {"file": xlsx_file([["Number", "POD", "VGM_KG"], [second.container.number, "tmkrw", 17500.0]])},
        follow=True,
    )
    assert shown(response)[0][0] == "success"
    booked = dict(Booking.objects.values_list("container", "vgm_kg"))
    assert booked == {first.container.number: 18_000, second.container.number: 17_500}


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (SimpleUploadedFile("plan.pdf", b"%PDF-1.4\x00\x01\x02\xff\xfe"), "neither an XLSX workbook nor a UTF-8 CSV"),
        (SimpleUploadedFile("plan.xlsx", b"number,pod\n"), "named as an Excel workbook but is not one"),
        (SimpleUploadedFile("broken.xlsx", b"PK\x03\x04 not really a zip"), "The workbook cannot be read"),
        (csv_file([["number", "iso_type", "gross_kg", "pod"], ["CSQU3054383", "22G1", "1", "KZAAU"]]),
         "Columns missing from the first row: stowage"),
        (csv_file([DISCHARGE_HEADER]), "lists no containers"),
        (SimpleUploadedFile("big.csv", b"number,iso_type\n" + b"x" * listfiles.MAX_BYTES), "the limit is 2048 KB"),
    ],
)  # fmt: skip
def test_a_file_that_cannot_be_read_applies_nothing(operator_client, call, upload, reason):
    response = operator_client.post(upload_url(call, "discharge"), {"file": upload}, follow=True)
    messages = shown(response)
    assert len(messages) == 1 and messages[0][0] == "error"
    assert "was not applied" in messages[0][1] and reason in messages[0][1], messages
    assert not OnBoard.objects.exists() and not YardMove.objects.exists()


def test_a_set_point_no_reefer_has_is_a_problem_of_its_row(operator_client, call):
    rows = [DISCHARGE_HEADER, [valid_number(1, "CSQ"), "22R1", "20000", "", "010182", "", "AZBAK", "", "12345", "", ""],
            [valid_number(2, "CSQ"), "22G1", "20000", "", "010102", "", "KZAAU", "", "", "", ""]]  # fmt: skip
    response = operator_client.post(upload_url(call, "discharge"), {"file": csv_file(rows)}, follow=True)
    texts = [text for _level, text in shown(response)]
    assert any("1 row applied, 1 with a problem" in text for text in texts), texts
    assert any("invalid_temperature" in text for text in texts), texts
    assert list(OnBoard.objects.values_list("container", flat=True)) == [valid_number(2, "CSQ")]


def test_an_upload_to_a_cancelled_call_is_refused_with_the_code(operator_client, operator, call):
    services.call_cancel(call_id=call.pk, actor=operator, reason="engine failure")
    rows = [DISCHARGE_HEADER, [valid_number(1, "CSQ"), "22G1", "20000", "", "010102", "", "KZAAU", "", "", "", ""]]
    response = operator_client.post(upload_url(call, "discharge"), {"file": csv_file(rows)}, follow=True)
    assert shown(response)[0][0] == "error" and "vessel_call_closed" in shown(response)[0][1]


def test_the_sample_files_download_and_apply_cleanly(operator_client, call, put):
    response = operator_client.get(reverse("admin:vessels_list_sample", args=["discharge"]))
    assert response["Content-Disposition"] == 'attachment; filename="discharge-list-sample.csv"'
    sample = response.content
    assert sample.decode().splitlines()[0] == ",".join(listfiles.KINDS["discharge"].columns)
    response = operator_client.post(
        upload_url(call, "discharge"), {"file": SimpleUploadedFile("sample.csv", sample)}, follow=True
    )
    assert shown(response)[0] == ("success", "sample.csv (discharge list (arrival bay plan)): 4 rows applied, "
                                             "0 with a problem.")  # fmt: skip
    load = operator_client.get(reverse("admin:vessels_list_sample", args=["load"])).content.decode()
    assert load.splitlines()[0] == "number,pod,vgm_kg"
    assert operator_client.get(reverse("admin:vessels_list_sample", args=["other"])).status_code == 404


# Actions


def test_arrive_plan_and_depart_go_through_the_services(operator_client, operator, call, put):
    response = operator_client.post(action_url(call, "arrive"), follow=True)
    assert response.redirect_chain == [(page_of(call), 302)]
    assert shown(response) == [("success", "TURKESTAN 0412E is alongside.")]
    call.carrier.refresh_from_db()
    assert call.carrier.status == "arrived" and call.carrier.arrived_at
    assert 'id="call-status">Arrived<' in response.content.decode()

    ready, no_vgm = put("A-01-01-1"), put("A-02-01-1")  # in the yard before the bay plan's box is given a place
    services.discharge_list_apply(call_id=call.pk, containers=[box(1, "010102")], actor=operator)
    rows = [{"number": ready.container.number, "pod": "AZBAK", "vgm_kg": 15_000},
            {"number": no_vgm.container.number, "pod": "AZBAK"}]  # fmt: skip
    services.load_list_apply(call_id=call.pk, containers=rows, actor=operator)
    response = operator_client.post(action_url(call, "plan"), follow=True)
    messages = shown(response)
    assert messages[0][0] == "success" and messages[0][1].startswith("Stowage plan: 1 box(es) assigned, 1 left out")
    assert "at most" in messages[0][1] and "gap" in messages[0][1]
    assert messages[1] == ("warning", f"Left out: {no_vgm.container.number} (code: vgm_missing): no verified gross "
                                      "mass (SOLAS VGM) yet.")  # fmt: skip
    assert 'id="call-left-out"' in response.content.decode()

    response = operator_client.post(action_url(call, "depart"), follow=True)
    ((level, text),) = shown(response)
    assert level == "error" and "(code: vessel_work_open)" in text and "2 open" in text
    call.carrier.refresh_from_db()
    assert call.carrier.status == "arrived"


def test_depart_when_the_work_is_done(operator_client, operator, call):
    services.call_arrive(call_id=call.pk, actor=operator)
    response = operator_client.post(action_url(call, "depart"), follow=True)
    assert shown(response) == [("success", "TURKESTAN 0412E has departed.")]
    assert CarrierVisit.objects.get(pk=call.carrier_id).status == "departed"
    response = operator_client.post(action_url(call, "arrive"), follow=True)
    assert shown(response)[0][0] == "error" and "(code: vessel_call_status_invalid)" in shown(response)[0][1]


def test_cancel_needs_a_reason(operator_client, call):
    response = operator_client.post(action_url(call, "cancel"), {"reason": "  "}, follow=True)
    assert shown(response)[0][0] == "error" and "(code: reason_required)" in shown(response)[0][1]
    assert CarrierVisit.objects.get(pk=call.carrier_id).status == "expected"
    response = operator_client.post(action_url(call, "cancel"), {"reason": "engine failure"}, follow=True)
    assert shown(response) == [("success", "TURKESTAN 0412E is cancelled.")]
    carrier = CarrierVisit.objects.get(pk=call.carrier_id)
    assert carrier.status == "cancelled" and carrier.history.first().history_change_reason == "engine failure"


def test_actions_are_posts_only_and_unknown_ones_are_not_found(operator_client, call):
    assert operator_client.get(action_url(call, "arrive")).status_code == 405
    assert operator_client.post(action_url(call, "scuttle")).status_code == 404
    assert operator_client.post(reverse("admin:vessels_call_action", args=[999999, "arrive"])).status_code == 404
    assert CarrierVisit.objects.get(pk=call.carrier_id).status == "expected"


# The berth schedule


def test_the_schedule_places_a_call_on_its_day(operator_client, call):
    day = timezone.localtime(call.alongside_from).date()
    url = reverse("admin:vessels_call_schedule")
    page = operator_client.get(url, {"start": (day - timedelta(days=2)).isoformat()}).content.decode()
    bar = re.search(
        rf'<a href="{page_of(call)}" class="call-bar status-expected" data-call="{call.pk}" data-berth="CB1" '
        r'data-day="([\d-]+)">\s*<title>([^<]*)</title>\s*<rect x="([\d.]+)"',
        page,
    )
    assert bar.group(1) == day.isoformat()
    assert "TURKESTAN 0412E · Expected" in bar.group(2) and "ETD" in bar.group(2)
    start = timezone.localtime(call.alongside_from)
    hours = (start - timezone.make_aware(datetime.combine(day - timedelta(days=2), time.min))).total_seconds() / 3600
    assert float(bar.group(3)) == pytest.approx(80 + hours / 24 * 150, abs=0.1)  # two days and some hours in
    assert f'?start={(day + timedelta(days=5)).isoformat()}" id="week-next"' in page
    assert f'?start={(day - timedelta(days=9)).isoformat()}" id="week-previous"' in page
    assert 'id="schedule-calls"' in page
    later = operator_client.get(url, {"start": (day + timedelta(days=7)).isoformat()}).content.decode()
    assert 'class="call-bar' not in later and "No vessel is alongside in this week." in later


def test_the_schedule_shows_actual_times(operator_client, operator, call):
    services.call_arrive(call_id=call.pk, actor=operator)
    page = operator_client.get(reverse("admin:vessels_call_schedule")).content.decode()
    assert 'class="call-bar status-arrived"' in page and 'class="actual arrived"' in page and "arrived " in page


@pytest.mark.parametrize("start", ["2026-02-30", "next week", "12/05/2026", "9999-12-31"])
def test_the_schedule_refuses_a_bad_date(operator_client, call, start):
    response = operator_client.get(reverse("admin:vessels_call_schedule"), {"start": start})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="schedule-error"' in page and "is not a date: write it as YYYY-MM-DD" in page
    assert 'class="call-bar' not in page and 'id="schedule"' not in page


def test_the_schedule_is_linked_from_the_calls_and_open_to_managers(manager_client, call):
    listing = manager_client.get(reverse("admin:vessels_vesselcall_changelist")).content.decode()
    assert reverse("admin:vessels_call_schedule") in listing
    assert manager_client.get(reverse("admin:vessels_call_schedule")).status_code == 200


# Vessels, profiles, berths


def test_vessels_are_found_by_name_or_imo_and_a_wrong_imo_is_refused(operator_client, call):
    assert "TURKESTAN" in operator_client.get(reverse("admin:vessels_vessel_changelist"), {"q": IMO}).content.decode()
    listing = operator_client.get(reverse("admin:vessels_vessel_changelist"), {"q": "turkest"}).content.decode()
    assert IMO in listing
    response = operator_client.post(reverse("admin:vessels_vessel_add"), {"name": "AKTAU", "imo": "9074728"})
    assert response.status_code == 200 and "the check digit should be 9" in response.content.decode()
    assert Vessel.objects.count() == 1


def test_making_another_profile_the_default_moves_the_flag(operator_client, port):
    old = StowageProfile.objects.get(is_default=True)
    body = {"name": "bigger feeder", "bays_20": 10, "rows": 7, "hold_tiers": 3, "deck_tiers": 2,
            "stack_max_kg": 100_000, "reefer_plugs": '["090182", "090282"]', "is_default": "on"}  # fmt: skip
    response = operator_client.post(reverse("admin:vessels_stowageprofile_add"), body)
    assert response.status_code == 302, response.content
    assert list(StowageProfile.objects.filter(is_default=True).values_list("name", flat=True)) == ["bigger feeder"]
    old.refresh_from_db()
    assert old.history.first().history_change_reason == "another profile became the default"
    body.update(name="wrong plugs", is_default="", reefer_plugs='["020182", "990182"]')
    response = operator_client.post(reverse("admin:vessels_stowageprofile_add"), body)
    assert response.status_code == 200 and "020182, 990182 is not" in response.content.decode()


def test_berths_are_read_with_their_machines(operator_client, port):
    listing = operator_client.get(reverse("admin:vessels_berth_changelist")).content.decode()
    assert "MHC-1" in listing and "MHC-2" in listing
    assert operator_client.get(reverse("admin:vessels_berth_add")).status_code == 403
