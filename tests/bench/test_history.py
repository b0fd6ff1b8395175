"""The growth benchmarks at a small size: the history loader (COPY) and the dispatch tick measurement.

Both need PostgreSQL (COPY, SELECT ... FOR UPDATE SKIP LOCKED); the loader refuses anything else.
"""

from datetime import timedelta
from unittest import mock

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.db.models import Count, F, Max, Min
from django.utils import timezone
from stdnum import iso6346

from aktau_tos.audit import system_user
from aktau_tos.reports.daily import report_render
from bench import history
from bench.dispatch import dispatch_tick_measure, yard_places
from bench.history import history_load, loaded_visits
from bench.screens import screens_measure
from customs.models import CustomsDeclaration, InspectionOrder
from dangerous_goods.models import Declaration
from rail.models import TrainVisit
from rail.reference import rail_reference_load
from yard import reference
from yard.layout import layout_apply
from yard.models import Block, CarrierVisit, Container, ContainerVisit, Equipment, Hold, YardMove
from yard.selectors import move_board
from yard.services import container_register

pytestmark = [
    pytest.mark.bench,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY and SKIP LOCKED: PostgreSQL"),
    pytest.mark.django_db,
]
YEARS = 0.01  # 1,500 stays, about 10,500 moves


@pytest.fixture
def aktau_yard(un_list):
    reference.iso_size_types_load()
    layout_apply()
    rail_reference_load()


def _constraints_checked_now() -> None:
    """The test never commits: fire the deferred foreign-key checks of what was written so far."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def column_added():
    """Adds a field to a model and its table, the way a migration would, for the test; takes both away again
    afterwards whatever happened (the table change would also go with the test's transaction)."""
    added = []

    def add(model, name: str, field: models.Field) -> None:
        field.contribute_to_class(model, name)
        added.append((model, field))
        with connection.schema_editor() as editor:
            editor.add_field(model, field)

    yield add
    try:
        _constraints_checked_now()  # a table with foreign-key checks pending cannot be altered
        with connection.schema_editor() as editor:
            for model, field in reversed(added):
                editor.remove_field(model, field)
    finally:
        for model, field in added:
            model._meta.local_fields.remove(field)
            delattr(model, field.attname)
            model._meta._expire_cache()


def _schema(tables: list[str]) -> tuple[set, set]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
        indexes = set(cursor.fetchall())
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
            "WHERE conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        return indexes, set(cursor.fetchall())


def test_check_digits_agree_with_iso_6346():
    import numpy as np

    serials = np.array([0, 1, 7, 123456, 999999, 500000])
    for owner in ("HYAU", "HYBU", "HYZU"):
        digits = history.check_digits(owner, serials)
        assert [str(d) for d in digits] == [iso6346.calc_check_digit(f"{owner}{s:06d}") for s in serials]


def test_a_small_history_is_loaded_consistently(aktau_yard):
    now = timezone.now()
    result = history_load(years=YEARS, now=now)

    visits = ContainerVisit.objects.filter(container__number__startswith="HY")
    assert result["visits_added"] == result["visits_loaded"] == visits.count() == loaded_visits() == 1500
    assert not result["rebuilt_indexes"]
    assert visits.exclude(state="departed").count() == 0
    assert visits.filter(departed_at__gt=now).count() == 0
    assert visits.filter(arrived_at__gte=F("departed_at")).count() == 0
    assert visits.aggregate(first=Min("departed_at"))["first"] > now - timedelta(days=365 * YEARS + 1)
    # About seven moves per stay, each within its stay and in order of time; one in, one out per stay.
    moves = YardMove.objects.filter(visit__in=visits)
    assert 6 * 1500 < moves.count() < 8 * 1500
    assert moves.filter(finished_at__lt=F("visit__arrived_at")).count() == 0
    assert moves.filter(finished_at__gt=F("visit__departed_at")).count() == 0
    assert moves.filter(created_at__gt=F("finished_at")).count() == 0
    assert moves.filter(kind__in=["discharge", "receive"]).count() == 1500
    assert moves.filter(kind__in=["load", "delivery"]).count() == 1500
    assert moves.filter(kind="load", to_carrier__isnull=True).count() == 0
    assert moves.filter(kind="delivery", to_gate=False).count() == 0
    assert moves.filter(status__in=YardMove.OPEN_STATUSES).count() == 0
    assert moves.filter(status="done", finished_by__isnull=True).count() == 0
    # Carriers of every mode; trains have their train visits; boxes came on carriers that had arrived.
    modes = dict(CarrierVisit.objects.values_list("mode").annotate(n=Count("id")))
    assert modes["rail"] > 0 and modes["vessel"] > 0 and modes["truck"] > 0
    assert TrainVisit.objects.count() == modes["rail"]
    assert visits.filter(arrived_at__lt=F("inbound_carrier__arrived_at")).count() == 0
    # Holds, declarations and inspections, all closed; DG declarations for the DG boxes.
    holds = Hold.objects.filter(visit__in=visits)
    assert holds.filter(kind="customs_control").count() == CustomsDeclaration.objects.count() > 0
    assert holds.filter(released_at__isnull=True).count() == 0
    assert holds.filter(released_at__gt=F("visit__departed_at")).count() == 0
    assert InspectionOrder.objects.filter(status="done").count() == InspectionOrder.objects.count() > 0
    assert Declaration.objects.count() == visits.exclude(dangerous_goods=[]).count() > 0
    # The history real traffic would have left: several rows per visit and per move, in time order.
    historical_moves = YardMove.history.filter(visit_id__in=visits.values("pk"))
    assert historical_moves.count() >= 3 * moves.count()
    assert historical_moves.filter(history_type="+").count() == moves.count()
    assert historical_moves.filter(history_type="+").exclude(status="planned").count() == 0
    assert ContainerVisit.history.filter(id__in=visits.values("pk")).count() >= 3 * 1500
    last = ContainerVisit.history.filter(id__in=visits.values("pk")).values("id").annotate(at=Max("history_date"))
    assert {row["at"] for row in last} == set(visits.values_list("departed_at", flat=True))
    assert Container.history.filter(number__startswith="HY").count() == 1500
    assert result["rows_added"]["yard_historicalyardmove"] == historical_moves.count()
    assert result["rows_per_second"] > 0
    _constraints_checked_now()  # every foreign key of what was loaded holds


def test_more_years_are_added_before_the_loaded_ones_and_the_schema_survives_a_rebuild(aktau_yard):
    history_load(years=YEARS)
    _constraints_checked_now()
    first_departure = ContainerVisit.objects.aggregate(first=Min("departed_at"))["first"]
    tables = history._BIG_TABLES + history._history_tables()
    before = _schema(tables)

    result = history_load(years=2 * YEARS, rebuild=True)  # drops and recreates indexes and foreign keys

    assert (result["visits_before"], result["visits_added"], loaded_visits()) == (1500, 1500, 3000)
    assert result["rebuilt_indexes"]
    assert _schema(tables) == before  # the same indexes and keys, validated
    newer = ContainerVisit.objects.filter(departed_at__gte=first_departure).count()
    assert newer == 1500  # the second load's stays all left before the first load's
    assert history_load(years=2 * YEARS)["visits_added"] == 0  # nothing missing: nothing loaded
    _constraints_checked_now()


def test_after_loading_the_services_get_fresh_ids_and_the_report_renders(aktau_yard):
    history_load(years=YEARS)
    highest = Container.objects.aggregate(top=Max("pk"))["top"]

    box = container_register(number="MSCU 123456 6", iso_type="22G1", actor=system_user())

    assert box.pk > highest
    with connection.cursor() as cursor:
        for table in history._BIG_TABLES:
            cursor.execute(
                "SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, 'id')) >= "
                f"COALESCE((SELECT max(id) FROM {connection.ops.quote_name(table)}), 0)",
                [table],
            )
            assert cursor.fetchone()[0], table
    day = timezone.localdate() - timedelta(days=1)
    kpis, html, text, images, workbook = report_render(day)
    assert kpis.throughput[0]["boxes"] > 0  # yesterday's departures
    assert kpis.moves[0]["total"] > 0
    assert kpis.trains  # trains that left yesterday, with their moves
    assert kpis.day == day and "THROUGHPUT" in text and "<html" in html.lower()
    assert images["throughput"][:4] == b"\x89PNG" and workbook[:2] == b"PK"


def test_on_a_history_the_move_board_finds_each_machines_last_finished_move_and_the_screens_are_measured(aktau_yard):
    history_load(years=YEARS)
    last = dict(
        YardMove.objects.filter(status=YardMove.Status.DONE, equipment__isnull=False)
        .values_list("equipment")
        .annotate(Max("finished_at"))
    )

    board = move_board()

    assert len(last) > 5  # the loaded history's machines worked
    assert {column.machine.pk: column.machine.last_finished_at for column in board.columns} == {
        column.machine.pk: last.get(column.machine.pk) for column in board.columns
    }
    figures = screens_measure(runs=2)
    assert set(figures) == {"move_board_ms", "moves_first_page_ms", "stays_first_page_ms", "holds_first_page_ms"}
    assert all(ms > 0 for ms in figures.values())


def test_every_loaded_table_is_copied_with_its_models_columns(aktau_yard):
    by_table = {model._meta.db_table: model for model in apps.get_models(include_auto_created=True)}
    copied, copy = [], history._copy

    def spy(cursor, table, *args, **kwargs):
        copied.append((table.name, list(table.columns)))
        return copy(cursor, table, *args, **kwargs)

    with mock.patch.object(history, "_copy", spy):
        history_load(years=YEARS, chunk_visits=1000)  # two chunks

    assert {name for name, _ in copied} == set(history._BIG_TABLES)
    for name, columns in copied:
        assert columns == [f.column for f in by_table[name]._meta.concrete_fields], name


def test_a_column_a_migration_adds_is_loaded_from_its_field_without_an_edit_in_the_loader(aktau_yard, column_added):
    """A nullable column comes in as NULL, a NOT NULL one with a default as its default, a NOT NULL string one
    without a default as '' (as Django's save writes it); history rows too."""
    historical = Container.history.model
    for model in (Container, historical):
        column_added(model, "loader_probe", models.CharField(max_length=20, null=True))
        column_added(model, "loader_flag", models.BooleanField(default=True))
        column_added(model, "loader_place", models.CharField(max_length=12, blank=True))

    assert history_load(years=YEARS / 5)["visits_added"] == 300

    with connection.cursor() as cursor:
        for table in (Container._meta.db_table, historical._meta.db_table):
            cursor.execute(
                f"SELECT count(*), count(loader_probe), count(*) FILTER (WHERE loader_flag), "
                f"count(*) FILTER (WHERE loader_place = '') FROM {table}"
            )
            assert cursor.fetchone() == (300, 0, 300, 300), table
    _constraints_checked_now()


@pytest.mark.parametrize("model", [Container, TrainVisit])  # copied with each chunk; after the last chunk
def test_a_not_null_column_without_a_default_stops_the_load_with_a_clear_error(aktau_yard, column_added, model):
    column_added(model, "loader_probe", models.IntegerField())
    table = model._meta.db_table

    with pytest.raises(ImproperlyConfigured, match=rf"no value for {table}\.loader_probe: the column is NOT NULL"):
        history_load(years=YEARS / 5)

    assert loaded_visits() == 0 and not model.objects.exists()  # nothing of the load is left


def test_the_loader_refuses_a_database_without_copy(db):
    with mock.patch.object(connection, "vendor", "sqlite"), pytest.raises(ImproperlyConfigured, match="COPY"):
        history_load(years=YEARS)


def test_a_small_dispatch_backlog_is_dispatched_once_to_able_machines(aktau_yard):
    machines_before = Equipment.objects.count()

    result = dispatch_tick_measure(moves=100, machines=20, repeats=2)

    assert result["backlog"]["moves"] == 100
    assert result["machines_active"] == 20 and result["machines_added"] == ["RS-07", "RS-08"]
    assert result["tick_dispatched"] == 100  # one tick takes the whole backlog (the batch is 200)
    assert result["dispatch_all"] == result["dispatch_all"] | {"dispatched": 100, "left_planned": 0, "ticks": 2}
    check = result["assignments"]
    assert check["dispatched"] == sum(check["per_machine"].values()) == 100
    assert check["to_unable_machine"] == [] and check["to_tractors"] == 0
    assert check["largest_spread_within_a_group"] <= 1
    assert result["queries_per_tick"] > 100  # a save and its history row per move
    assert len(result["tick_seconds_all"]) == 2 and result["tick_seconds_median"] > 0
    # Measured in a transaction that was rolled back: nothing of the setup is left.
    assert Equipment.objects.count() == machines_before
    assert not Container.objects.filter(number__startswith="DSPU").exists()
    assert not YardMove.objects.exists()


def test_the_backlog_builds_on_a_yard_in_use_without_breaking_stacking_rules(aktau_yard):
    """Boxes of earlier traffic stay where they are; planned targets are distinct free places on 20' stacks."""
    from tests.factories.yard import ContainerFactory, ContainerVisitFactory
    from yard.models import IsoSizeType, Occupancy, Slot

    forty, twenty = IsoSizeType.objects.get(code="45G1"), IsoSizeType.objects.get(code="22G1")
    a01, a02, a03 = (Slot.objects.get(block__code="A", bay=bay, row=1) for bay in (1, 2, 3))
    long_box = ContainerVisitFactory(container=ContainerFactory(iso_type=forty), state="in_yard")
    Occupancy.objects.create(slot=a01, tier=1, visit=long_box)
    Occupancy.objects.create(slot=a02, tier=1, visit=long_box, primary=False)
    short_box = ContainerVisitFactory(container=ContainerFactory(iso_type=twenty), state="in_yard")
    Occupancy.objects.create(slot=a03, tier=1, visit=short_box)

    blocks = {block.pk: block for block in Block.objects.all()}
    empty, on_top, inspection = yard_places(blocks, set(blocks))
    assert {a01, a02, a03}.isdisjoint(empty) and (a03, 2) in on_top  # on the 20', never on the 40'
    assert not {slot for slot, _ in on_top} & {a01, a02}
    assert len(empty) + 3 == Slot.objects.filter(block__kind__in=["full", "empty", "reefer"]).count()
    assert len(inspection) == Slot.objects.filter(block__kind="inspection").count()

    result = dispatch_tick_measure(moves=300, machines=20, repeats=1, keep=True)

    assert result["dispatch_all"]["dispatched"] == 300
    targets = list(YardMove.objects.filter(to_slot__isnull=False).values_list("to_slot_id", "to_tier"))
    assert len(targets) == len(set(targets)) > 100  # one pending move per place
    occupied = set(Occupancy.objects.values_list("slot_id", "tier"))
    assert not set(targets) & occupied
    assert not {slot for slot, _ in targets} & {a01.pk, a02.pk}  # nothing planned onto a 40'
    assert set(Occupancy.objects.filter(visit__in=[long_box, short_box]).values_list("slot_id", "tier")) == {
        (a01.pk, 1),
        (a02.pk, 1),
        (a03.pk, 1),
    }


def test_held_moves_stay_planned(aktau_yard):
    result = dispatch_tick_measure(moves=100, machines=20, repeats=1, held=5)

    assert result["backlog"]["held"] == 5
    assert result["dispatch_all"]["dispatched"] == 95
    assert result["dispatch_all"]["left_planned"] == 5
