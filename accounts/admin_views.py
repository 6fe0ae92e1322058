"""The People screen: admins change roles and deactivate or reactivate accounts; each
change goes through accounts.services (groups kept in step, logged)."""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from .models import User
from .permissions import PlatformAdminPolicy
from .services import user_set_active, user_set_role


class PersonForm(WagtailAdminModelForm):
    role = forms.ChoiceField(choices=User.Role.choices)
    is_active = forms.BooleanField(required=False, label="Active (may sign in)")

    class Meta:
        model = User
        fields = ["role", "is_active"]


class PersonEditView(generic.EditView):
    def save_instance(self):
        # The form only validated the input; the services make the change and log it.
        user = User.objects.get(pk=self.object.pk)
        user_set_role(user=user, role=self.form.cleaned_data["role"], actor=self.request.user)
        user_set_active(user=user, active=self.form.cleaned_data["is_active"], actor=self.request.user)
        return user


class PeopleIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().filter(anonymised_at__isnull=True)  # deleted accounts are gone


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
    list_display = ["email", "get_full_name", "role", BooleanColumn("is_active", label="Active"), "date_joined"]
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
