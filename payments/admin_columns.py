"""Listing columns shared by the Wagtail admin's money screens."""

from wagtail.admin.ui.tables import Column

from core.money import format_money


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
