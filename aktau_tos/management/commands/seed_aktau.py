"""Lays out the Aktau hub: reference data, and with --demo, demo users for every role and demo traffic.

Idempotent: running it again changes nothing that is already in place.
"""

import contextlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from aktau_tos import roles
from aktau_tos.audit import system_user
from aktau_tos.demo import demo_traffic_create
from dangerous_goods.reference import un_numbers_load
from rail.reference import rail_reference_load
from vessels.layout import berths_apply
from vessels.profiles import default_profile_ensure
from vessels.selectors import calls_with_related
from yard import reference
from yard.errors import ContainerExists
from yard.layout import layout_apply
from yard.services import container_register

# Published on purpose: --demo refuses to run without DEBUG.
DEMO_PASSWORD = "aktau-demo"  # nosec B105
# user name -> (role, may use the admin)
DEMO_USERS = {
    "operator": (roles.OPERATOR, True),
    "clerk": (roles.YARD_CLERK, False),
    "driver": (roles.DRIVER, False),
    "customs": (roles.CUSTOMS_OFFICER, True),
    "dg": (roles.DG_OFFICER, True),
    "manager": (roles.MANAGER, True),
    "kmtf": (roles.EDI_PARTNER, False),  # the feeders' line's EDI system, acting for the partner KMTF
}
# Real numbers with valid check digits (from tests/data/iso6346_valid.txt), with plausible size/types.
DEMO_CONTAINERS = [
    ("CSQU3054383", "22G1", 2200, 30480),
    ("TCNU7200794", "45G1", 3900, 32500),
    ("TOLU4734787", "42G1", 3750, 32500),
    ("GYOU4047990", "22G1", 2250, 30480),
    ("MSKU2666542", "45R1", 4800, 34000),
    ("NYKU3086856", "22T3", 3600, 36000),
    ("MRKU4976720", "45G1", 3850, 32500),
    ("CMAU5110875", "22R1", 3050, 30480),
]


class Command(BaseCommand):
    help = "Seeds the Aktau layout and reference data; --demo adds demo users (one per role) and traffic."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true", help="also create demo users and demo traffic")

    def handle(self, *args, demo: bool = False, **options) -> None:
        if demo and not settings.DEBUG:
            raise CommandError("--demo creates users with a published password; run it only with DJANGO_DEBUG=true.")
        count = reference.iso_size_types_load()
        un_entries = un_numbers_load()
        self.stdout.write(f"Reference data: {count} ISO 6346 size/type codes, {un_entries} UN list entries.")
        try:
            summary = layout_apply()
            berths = berths_apply()
            rail_reference_load()
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Yard layout: {summary.blocks} blocks, {summary.ground_slots} ground slots "
            f"({summary.slots_created} new), {summary.equipment} machines, {berths} berth(s)."
        )
        profile = default_profile_ensure(actor=system_user())
        self.stdout.write(f"Default stowage profile: {profile.name}.")
        if demo:
            self._demo()

    @transaction.atomic
    def _demo(self) -> None:
        User = get_user_model()
        admin, created = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True, "email": "admin@localhost"}
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()
        for username, (role, staff) in DEMO_USERS.items():
            user, created = User.objects.get_or_create(
                username=username, defaults={"is_staff": staff, "email": f"{username}@localhost"}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.add(Group.objects.get(name=role))
        for number, iso_type, tare_kg, max_gross_kg in DEMO_CONTAINERS:
            with contextlib.suppress(ContainerExists):  # already seeded
                container_register(
                    number=number, iso_type=iso_type, tare_kg=tare_kg, max_gross_kg=max_gross_kg, actor=admin
                )
        placed = demo_traffic_create(actor=admin)
        self.stdout.write(
            f"Demo traffic: {placed} containers placed in the yard." if placed else "Demo traffic: present."
        )
        calls = ", ".join(f"{call.reference} ({call.status})" for call in calls_with_related().order_by("eta"))
        self.stdout.write(f"Vessel calls: {calls or 'none'}.")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        self.stdout.write("  admin (superuser), " + ", ".join(f"{u} ({r})" for u, (r, _) in DEMO_USERS.items()))
