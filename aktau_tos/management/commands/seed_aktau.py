"""Lays out the Aktau hub: reference data, and with --demo, demo users for every role and demo traffic.

Idempotent: running it again changes nothing that is already in place.
"""

import contextlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
            raise CommandError(_("--demo creates users with a published password; run it only with DJANGO_DEBUG=true."))
        count = reference.iso_size_types_load()
        un_entries = un_numbers_load()
        self.stdout.write(
            _("Reference data: ISO 6346 size/type codes: %(codes)d, UN list entries: %(entries)d.")
            % {"codes": count, "entries": un_entries}
        )
        try:
            summary = layout_apply()
            berths = berths_apply()
            rail_reference_load()
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _(
                "Yard layout: blocks: %(blocks)d, ground slots: %(slots)d (new: %(new)d), machines: %(machines)d, "
                "berths: %(berths)d."
            )
            % {
                "blocks": summary.blocks,
                "slots": summary.ground_slots,
                "new": summary.slots_created,
                "machines": summary.equipment,
                "berths": berths,
            }
        )
        profile = default_profile_ensure(actor=system_user())
        self.stdout.write(_("Default stowage profile: %(name)s.") % {"name": profile.name})
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
        if placed:
            self.stdout.write(
                ngettext(
                    "Demo traffic: %(count)d container placed in the yard.",
                    "Demo traffic: %(count)d containers placed in the yard.",
                    placed,
                )
                % {"count": placed}
            )
        else:
            # Translators: the demo traffic was already there from an earlier run, so nothing was added.
            self.stdout.write(_("Demo traffic: present."))
        calls = ", ".join(
            f"{call.reference} ({call.carrier.get_status_display()})" for call in calls_with_related().order_by("eta")
        )
        # Translators: %(calls)s lists vessel calls, each as its reference and its status in brackets.
        self.stdout.write(_("Vessel calls: %(calls)s.") % {"calls": calls} if calls else _("Vessel calls: none."))
        self.stdout.write(_("Demo logins (password for all: %(password)s):") % {"password": DEMO_PASSWORD})
        users = ", ".join(f"{username} ({role})" for username, (role, _staff) in DEMO_USERS.items())
        # Translators: %(users)s lists the other demo user names, each with its role's code in brackets.
        self.stdout.write("  " + _("admin (superuser), %(users)s") % {"users": users})
