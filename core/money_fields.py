"""A form field for amounts stored as integer cents but typed by people in currency units."""

from decimal import Decimal

from django import forms

from core.money import format_units


class MoneyUnitsField(forms.DecimalField):
    """Shows 49900 cents as "499.00", accepts "499", "499.5" or "499.00" and cleans to the
    integer cents (49900) the model stores. An empty value is `empty_cents` (0, or None for a
    nullable amount) unless the field is required. No float ever touches the amount: Decimal
    in, int out."""

    def __init__(self, *, empty_cents: int | None = 0, **kwargs):
        self.empty_cents = empty_cents
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("step", "0.01")
        self.widget.attrs.setdefault("inputmode", "decimal")

    def prepare_value(self, value):
        # An int is the stored cents (the form's initial); a string is what the person typed
        # and is shown back as typed.
        if isinstance(value, int) and not isinstance(value, bool):
            return format_units(value)
        return super().prepare_value(value)

    def clean(self, value):
        units = super().clean(value)
        if units is None:
            return self.empty_cents
        return int((units * 100).to_integral_value())

    def has_changed(self, initial, data):
        if self.disabled:
            return False
        try:
            return self.clean(data) != (initial if isinstance(initial, int) else self.clean(initial))
        except forms.ValidationError:
            return True
