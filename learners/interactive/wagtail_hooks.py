"""Admin for interactive content: the H5P package snippet (the model is coursepages'), whose
upload form validates the package and whose save extracts it (learners.interactive.h5p), and the rule
that keeps documents of paid-course lessons off Wagtail's public /documents/ URL. Both call
learners' services, so they live here rather than in coursepages."""

from django import forms
from django.core.exceptions import PermissionDenied
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.log_actions import log
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, EditView, SnippetViewSet

from coursepages.models import H5PLibrary, H5PPackage
from coursepages.permissions import user_may_edit_documents
from learners.interactive.grading import h5p_grading
from learners.interactive.h5p import (
    H5PValidationError,
    h5p_package_delete_files,
    h5p_package_inspect,
    h5p_package_store,
)
from learners.interactive.h5p_libraries import h5p_library_approve
from learners.models import LTITool


def grading_sentence(package: H5PPackage) -> str:
    grading = h5p_grading(package)
    if grading["graded"]:
        return "Grading: the server grades this package's answers from its content.json."
    return (
        f"Grading: completion only ({grading['reason']}): no score is recorded; the lesson's H5P "
        "block decides whether finishing it completes the lesson."
    )


class H5PPackageForm(WagtailAdminModelForm):
    class Meta:
        model = H5PPackage
        fields = ["title", "file"]
        help_texts = {
            "title": "Leave blank to use the title inside the package.",
            "file": "An .h5p file that includes its libraries (at most the size set by H5P_MAX_PACKAGE_MB).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["file"].widget.attrs["accept"] = ".h5p"
        if self.instance.pk:
            self.fields["file"].help_text += " " + grading_sentence(self.instance)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and "file" in self.changed_data:
            try:
                info = h5p_package_inspect(upload)
            except H5PValidationError as exc:
                raise forms.ValidationError(exc.messages) from exc
            self.package_info = info
        return upload

    def clean(self):
        cleaned = super().clean()
        info = getattr(self, "package_info", None)
        if not cleaned.get("title") and info is not None:
            cleaned["title"] = info.title
            self.instance.title = info.title
        elif not cleaned.get("title") and not self.instance.title:
            self.add_error("title", "Give the package a title.")
        return cleaned


class _StoresPackage:
    """Create and edit: a new upload goes through the service that extracts it."""

    def save_instance(self):
        form = self.form
        if "file" not in form.changed_data:
            instance = form.save()
            log(instance=instance, action="wagtail.edit", user=self.request.user)
            return instance
        instance = form.save(commit=False)
        instance.title = form.cleaned_data.get("title") or instance.title
        created = instance.pk is None
        package = h5p_package_store(package=instance, upload=form.cleaned_data["file"], user=self.request.user)
        log(instance=package, action="wagtail.create" if created else "wagtail.edit", user=self.request.user)
        return package

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except H5PValidationError as exc:
            form.add_error("file", exc.messages)
            return self.form_invalid(form)


class H5PPackageCreateView(_StoresPackage, CreateView):
    pass


class H5PPackageEditView(_StoresPackage, EditView):
    pass


class H5PPackageViewSet(SnippetViewSet):
    model = H5PPackage
    icon = "pick"
    menu_label = "H5P packages"
    menu_order = 250
    add_to_admin_menu = True
    add_view_class = H5PPackageCreateView
    edit_view_class = H5PPackageEditView
    list_display = [
        "title",
        Column("main_library", label="Main library"),
        Column("grading_label", label="Grading"),
        Column("file_count", label="Files"),
        Column("created_at", label="Uploaded"),
    ]
    search_fields = ["title"]
    edit_handler = ObjectList([FieldPanel("title"), FieldPanel("file")], base_form_class=H5PPackageForm)


register_snippet(H5PPackageViewSet)


class H5PLibraryPolicy(ModelPermissionPolicy):
    """Libraries come only from uploaded packages (never added here); approving needs the
    change permission, which no group is given: administrators only."""

    def user_has_permission(self, user, action):
        return action != "add" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(H5PLibrary, H5PLibraryPolicy(H5PLibrary))


class H5PLibraryForm(WagtailAdminModelForm):
    class Meta:
        model = H5PLibrary
        fields = ["status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        library = self.instance
        packages = ", ".join(f"“{package.title}”" for package in library.packages.all()[:10]) or "none"
        uploader = library.uploaded_by.email if library.uploaded_by else "unknown"
        self.fields["status"].help_text = (
            f"{library} ({library.title or library.machine_name}), {library.file_count} files, checksum "
            f"{library.checksum[:16]}…; uploaded by {uploader}; used by {packages}. Approve only code you "
            "trust: it runs in the player of every package that uses it."
        )


class H5PLibraryEditView(EditView):
    def save_instance(self):
        library = self.object
        if self.form.cleaned_data["status"] == H5PLibrary.Status.APPROVED:
            library.status = H5PLibrary.objects.get(pk=library.pk).status  # the service decides
            return h5p_library_approve(library=library, user=self.request.user)
        return super().save_instance()  # back to pending: its packages stop playing


def _uploader(library) -> str:
    return library.uploaded_by.email if library.uploaded_by else ""


def _short_checksum(library) -> str:
    return library.checksum[:12] + "…"


class H5PLibraryViewSet(SnippetViewSet):
    """Installed and pending H5P library code, with who uploaded it; an admin approves here."""

    model = H5PLibrary
    icon = "code"
    menu_label = "H5P libraries"
    menu_order = 251
    add_to_admin_menu = True
    edit_view_class = H5PLibraryEditView
    list_display = [
        "machine_name",
        Column("version", label="Version"),
        Column("get_status_display", label="Status"),
        Column("uploaded_by", label="Uploaded by", accessor=_uploader),
        Column("first_package", label="First package"),
        Column("checksum", label="Checksum", accessor=_short_checksum),
        Column("created_at", label="Registered"),
    ]
    list_filter = ["status"]
    search_fields = ["machine_name"]
    edit_handler = ObjectList([FieldPanel("status")], base_form_class=H5PLibraryForm)


register_snippet(H5PLibraryViewSet)


@hooks.register("register_log_actions")
def register_h5p_library_actions(actions):
    actions.register_action("learners.h5p_library_approved", "Approve H5P library", "Approved H5P library code")


@hooks.register("after_delete_snippet")
def remove_h5p_files(request, instances):
    for instance in instances:
        if isinstance(instance, H5PPackage):
            h5p_package_delete_files(package=instance)


@hooks.register("before_serve_document")
def keep_paid_lesson_documents_private(document, request):
    """A document used by a lesson of a paid course is served only through the lesson's
    access-checked view (learners:lesson-file); Wagtail's URL stays open to editors."""
    from learners.interactive.media import document_is_private

    if user_may_edit_documents(request.user):
        return None
    if document_is_private(document=document):
        raise PermissionDenied("This document belongs to a paid course; open it from its lesson.")
    return None


class LTIToolViewSet(SnippetViewSet):
    """LTI 1.3 tool registrations (admins only: the snippet permissions)."""

    model = LTITool
    icon = "link-external"
    menu_label = "LTI tools"
    menu_order = 260
    add_to_admin_menu = True
    list_display = ["name", "client_id", "deployment_id", "active"]
    search_fields = ["name", "client_id"]


register_snippet(LTIToolViewSet)
