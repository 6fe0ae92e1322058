"""The People screen: admins change roles and deactivate or reactivate accounts; each
change goes through accounts.services (groups kept in step, logged)."""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from core.spreadsheet import SafeSpreadsheetExportMixin

from .models import User
from .permissions import PlatformAdminPolicy
from .selectors import people
from .services import AccountChangeRefused, user_access_change_check, user_change_access


class PersonForm(WagtailAdminModelForm):
    role = forms.ChoiceField(choices=User.Role.choices)
    is_active = forms.BooleanField(required=False, label="Active (may sign in)")

    class Meta:
        model = User
        fields = ["role", "is_active"]

    def clean(self):
        cleaned = super().clean()
        try:
            user_access_change_check(
                user=self.instance, actor=self.for_user, role=cleaned.get("role"), active=cleaned.get("is_active")
            )
        except AccountChangeRefused as refusal:
            raise forms.ValidationError(str(refusal), code=refusal.code)
        return cleaned


class PersonEditView(generic.EditView):
    def save_instance(self):
        # The form only validated the input; the services make the change and log it.
        return user_change_access(
            user=User.objects.get(pk=self.object.pk),
            actor=self.request.user,
            role=self.form.cleaned_data["role"],
            active=self.form.cleaned_data["is_active"],
        )


class PeopleIndexView(SafeSpreadsheetExportMixin, generic.IndexView):
    def get_base_queryset(self):
        return people(queryset=super().get_base_queryset())  # deleted (anonymised) accounts are gone


class PeopleViewSet(ModelViewSet):
    model = User
    icon = "group"
    menu_label = "People"
    menu_order = 900
    add_to_admin_menu = True
    url_prefix = "people"
    name = "people"
    form_fields = ["role", "is_active"]
    edit_view_class = PersonEditView
    index_view_class = PeopleIndexView
    list_display = [
        "email",
        Column("full_name", label="Name", accessor="get_full_name"),
        Column("role", label="Role", accessor="get_role_display", sort_key="role"),
        BooleanColumn("is_active", label="Active"),
        DateColumn("date_joined", label="Joined", sort_key="date_joined"),
    ]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    list_export = ["email", "first_name", "last_name", "role", "is_active", "date_joined", "last_login"]
    export_filename = "people"
    inspect_view_enabled = True
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return PersonForm

    @property
    def permission_policy(self):
        return PlatformAdminPolicy(User)


people_viewset = PeopleViewSet()
