"""Filters the other apps' lists share with the yard's."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from yard.models import CarrierVisit


def carrier_status_filter() -> filters.MultipleChoiceFilter:
    """`?status=arrived` (repeat it for several) on a list of trains or vessel calls, whose status lives on their
    carrier visit."""
    return filters.MultipleChoiceFilter(
        field_name="carrier__status", choices=CarrierVisit.Status.choices,
        # Translators: expected, arrived, departed and cancelled are the values a client sends; keep them.
        help_text=_("expected, arrived, departed or cancelled; repeat it for several."),
    )  # fmt: skip
