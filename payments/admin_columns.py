"""Listing columns and the inspect view shared by the Wagtail admin's money screens: amounts in
core.money's house style, labelled for people ("Total", "VAT", never "Total cents")."""

import re

from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import InspectView

from core.money import format_money


def money_label(label: str) -> str:
    """ "Total cents" → "Total", "Vat cents" → "VAT", "Vat rate" → "VAT rate"."""
    label = re.sub(r"\s*cents$", "", label.strip(), flags=re.IGNORECASE)
    return re.sub(r"\bvat\b", "VAT", label, flags=re.IGNORECASE)


class MoneyColumn(Column):
    """An amount column: the row's `<name>` cents in its `currency`, in core.money's house style
    ("" where the amount is empty, e.g. a percentage coupon). Sorts by the cents column."""

    def __init__(self, name, currency_field="currency", **kwargs):
        kwargs.setdefault("sort_key", name)
        super().__init__(name, **kwargs)
        self.currency_field = currency_field

    def get_value(self, instance):
        cents = getattr(instance, self.name)
        return "" if cents is None else format_money(cents, getattr(instance, self.currency_field))


class MoneyInspectView(InspectView):
    """Wagtail's inspect view, with every `*_cents` field shown as money ("R499.00") under a
    label without "cents"."""

    currency_field = "currency"

    def get_field_label(self, field_name, field):
        return money_label(super().get_field_label(field_name, field))

    def get_field_display_value(self, field_name, field):
        if field_name.endswith("_cents"):
            cents = getattr(self.object, field_name)
            return "" if cents is None else format_money(cents, getattr(self.object, self.currency_field, None))
        return super().get_field_display_value(field_name, field)
