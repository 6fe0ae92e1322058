from django import forms

from .models import User, timezone_choices


class SignupForm(forms.Form):
    """Extra sign-up fields for allauth: first and last name."""

    first_name = forms.CharField(max_length=150, label="First name")
    last_name = forms.CharField(max_length=150, label="Last name")

    def signup(self, request, user):
        user.first_name = self.cleaned_data["first_name"]
        user.last_name = self.cleaned_data["last_name"]
        user.save(update_fields=["first_name", "last_name"])


class ProfileForm(forms.ModelForm):
    timezone = forms.ChoiceField(choices=timezone_choices, help_text="Lesson unlock dates and live classes use it.")

    class Meta:
        model = User
        fields = ["first_name", "last_name", "bio", "timezone", "avatar", "email_opt_out"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}
