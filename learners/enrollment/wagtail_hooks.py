"""The Reviews screen: moderators read every course review and hide, delete or restore one;
the decision goes through learners.enrollment.services.review_moderate (audit-logged)."""

from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from accounts.permissions import moderator_users
from learners.enrollment.services import review_moderate
from learners.models import Review
from learners.permissions import user_may_moderate_reviews


class ReviewModerationPolicy(BasePermissionPolicy):
    """Moderators view and change (moderate) reviews; nobody adds or hard-deletes them here."""

    def user_has_permission(self, user, action):
        return action in ("view", "change") and user_may_moderate_reviews(user)

    def users_with_any_permission(self, actions):
        from accounts.models import User

        if not set(actions) & {"view", "change"}:
            return User.objects.none()
        return moderator_users()


class ReviewModerationForm(WagtailAdminModelForm):
    class Meta:
        model = Review
        fields = ["moderation", "moderation_note"]
        labels = {"moderation": "Show this review", "moderation_note": "Reason"}


class ReviewEditView(generic.EditView):
    def save_instance(self):
        return review_moderate(
            review=Review.objects.get(pk=self.object.pk),
            moderator=self.request.user,
            state=self.form.cleaned_data["moderation"],
            note=self.form.cleaned_data.get("moderation_note", ""),
        )


class ExcerptColumn(Column):
    def get_value(self, instance):
        return instance.body[:120] or "(rating only)"


class ReviewViewSet(ModelViewSet):
    model = Review
    icon = "comment"
    menu_label = "Reviews"
    menu_order = 320
    add_to_admin_menu = True
    url_prefix = "reviews"
    name = "reviews"
    list_display = ["course", "user", "rating", ExcerptColumn("excerpt", label="Review"), "moderation", "updated_at"]
    list_filter = ["moderation", "rating"]
    search_fields = ["body", "user__email", "course__title"]
    edit_view_class = ReviewEditView
    copy_view_enabled = False
    inspect_view_enabled = True

    def get_form_class(self, for_update=False):
        return ReviewModerationForm

    def get_queryset(self, request):
        return Review.objects.select_related("course", "user")


register_permission_policy(Review, ReviewModerationPolicy(Review))
review_viewset = ReviewViewSet()


@hooks.register("register_admin_viewset")
def register_reviews():
    return review_viewset
