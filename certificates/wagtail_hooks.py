"""Admin: certificate templates as snippets; issued certificates as a ModelViewSet with
filters, search, and revoke/reissue actions that ask for a reason and are logged."""

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button
from wagtail.admin.widgets.button import MenuItem
from wagtail.log_actions import LogFormatter
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from coursepages.models import CoursePage

from .models import Certificate, CertificateTemplate
from .permissions import user_may_change_certificates
from .services import CertificateError, certificate_reissue, certificate_revoke


class CertificateTemplateViewSet(SnippetViewSet):
    model = CertificateTemplate
    icon = "doc-full"
    menu_label = "Certificate templates"
    list_display = ["name", "is_default", "heading", "signer_name"]
    search_fields = ["name", "heading", "signer_name"]


register_snippet(CertificateTemplateViewSet)


class CertificateFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label="Status", choices=[("valid", "Valid"), ("revoked", "Revoked")], method="filter_status", empty_label="All"
    )
    course = django_filters.ModelChoiceFilter(label="Course", queryset=CoursePage.objects.order_by("title"))
    issued_at = django_filters.DateFromToRangeFilter(label="Issued", widget=DateRangePickerWidget)

    class Meta:
        model = Certificate
        fields = []

    def filter_status(self, queryset, name, value):
        if value == "valid":
            return queryset.filter(revoked_at__isnull=True)
        if value == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


def _action_buttons(certificate, *, menu: bool):
    """Download, revoke and reissue, as list-menu items or header buttons."""
    kind = MenuItem if menu else Button
    buttons = [kind("Download PDF", url=certificate.get_download_url(), icon_name="download", priority=10)]
    if not certificate.is_revoked:
        buttons.append(
            kind("Revoke", url=reverse("certificate:revoke", args=[certificate.pk]), icon_name="cross", priority=20)
        )
    if not Certificate.objects.filter(replaces=certificate).exists():
        buttons.append(
            kind("Reissue", url=reverse("certificate:reissue", args=[certificate.pk]), icon_name="rotate", priority=30)
        )
    buttons.append(kind("Verification page", url=certificate.get_verify_url(), icon_name="link-external", priority=40))
    return buttons


class CertificateIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "course")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if user_may_change_certificates(self.request.user):
            buttons += _action_buttons(instance, menu=True)
        return buttons


class CertificateInspectView(generic.InspectView):
    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        if user_may_change_certificates(self.request.user):
            buttons += _action_buttons(self.object, menu=False)
        return buttons

    def get_code_display_value(self):
        return self.object.display_code

    def get_revoked_reason_display_value(self):
        return self.object.revoked_reason or "—"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Recorded in the certificate's history.",
    )


class CertificateActionView(WagtailAdminTemplateMixin, FormView):
    """Ask for a reason, then revoke or reissue (one service call)."""

    form_class = ReasonForm
    template_name = "certificates/admin/action.html"
    header_icon = "doc-full"
    action = ""
    index_url_name = None

    def dispatch(self, request, *args, **kwargs):
        if not user_may_change_certificates(request.user):
            raise PermissionDenied
        self.object = get_object_or_404(Certificate, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return f"{self.action.capitalize()} certificate"

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("certificate:index"), "label": "Certificates"},
            {"url": reverse("certificate:inspect", args=[self.object.pk]), "label": str(self.object)},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            object=self.object,
            action=self.action,
            cancel_url=reverse("certificate:inspect", args=[self.object.pk]),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            result = self.perform(reason=form.cleaned_data["reason"])
        except CertificateError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, self.success_message(result))
        return redirect("certificate:inspect", result.pk)


class CertificateRevokeView(CertificateActionView):
    action = "revoke"

    def perform(self, *, reason):
        return certificate_revoke(certificate=self.object, by=self.request.user, reason=reason)

    def success_message(self, certificate):
        return f"Certificate {certificate.display_code} revoked."


class CertificateReissueView(CertificateActionView):
    action = "reissue"

    def perform(self, *, reason):
        return certificate_reissue(certificate=self.object, by=self.request.user, reason=reason)

    def success_message(self, certificate):
        return (
            f"Certificate reissued with code {certificate.display_code}; "
            f"{certificate.replaces.display_code} is revoked. The student was emailed."
        )


class CertificateViewSet(ModelViewSet):
    """Issued certificates: read-only apart from revoke and reissue (no add, edit, copy or
    delete: a certificate is created by the issue task and corrected by reissuing)."""

    model = Certificate
    name = "certificate"
    icon = "doc-full"
    menu_label = "Certificates"
    menu_order = 410
    add_to_admin_menu = True
    index_view_class = CertificateIndexView
    inspect_view_class = CertificateInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False  # saved by the issue task; nothing refers to a certificate
    filterset_class = CertificateFilterSet
    search_fields = ["code", "student_name", "course_title", "user__email"]
    search_backend_name = None
    list_display = [
        "student_name",
        "course_title",
        Column("display_code", label="Code", accessor="display_code"),
        DateColumn("issued_at", label="Issued", sort_key="issued_at"),
        StatusTagColumn("status", label="Status", accessor="status", primary=lambda c: not c.is_revoked),
    ]
    inspect_view_fields = [
        "code",
        "student_name",
        "course_title",
        "hours",
        "completed_on",
        "issued_at",
        "user",
        "course",
        "template",
        "revoked_at",
        "revoked_reason",
        "revoked_by",
        "replaces",
    ]

    def get_common_view_kwargs(self, **kwargs):
        return {
            **super().get_common_view_kwargs(**kwargs),
            "add_url_name": None,
            "edit_url_name": None,
            "delete_url_name": None,
        }

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("history/<int:pk>/", self.history_view, name="history"),
            path("history-results/<int:pk>/", self.history_results_view, name="history_results"),
            path("usage/<int:pk>/", self.usage_view, name="usage"),
            path("revoke/<int:pk>/", CertificateRevokeView.as_view(), name="revoke"),
            path("reissue/<int:pk>/", CertificateReissueView.as_view(), name="reissue"),
        ]


certificate_viewset = CertificateViewSet()


@hooks.register("register_admin_viewset")
def register_certificate_viewset():
    return certificate_viewset


class RevokeLogFormatter(LogFormatter):
    label = "Revoke certificate"

    def format_message(self, log_entry):
        return f"Revoked: {log_entry.data.get('reason', '')}"


class ReissueLogFormatter(LogFormatter):
    label = "Reissue certificate"

    def format_message(self, log_entry):
        return f"Reissued, replacing {log_entry.data.get('replaces', '')}: {log_entry.data.get('reason', '')}"


@hooks.register("register_log_actions")
def register_certificate_log_actions(actions):
    actions.register_action("certificates.revoke")(RevokeLogFormatter)
    actions.register_action("certificates.reissue")(ReissueLogFormatter)
