from django import forms

from .models import WeeklyAvailability
from .selectors import SLOT_MINUTES


class WindowForm(forms.Form):
    weekday = forms.TypedChoiceField(choices=WeeklyAvailability.Weekday.choices, coerce=int, label="Day")
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), label="From")
    end_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), label="Until")


class ExceptionForm(forms.Form):
    first_day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="First day away")
    last_day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Last day away")
    reason = forms.CharField(max_length=200, required=False, label="Reason (optional)")


class BookForm(forms.Form):
    starts_at = forms.DateTimeField(widget=forms.HiddenInput)
    minutes = forms.TypedChoiceField(choices=[(m, f"{m} minutes") for m in SLOT_MINUTES], coerce=int, initial=60)
    topic = forms.CharField(max_length=200, required=False, label="What would you like to cover?")


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False, label="Reason")
