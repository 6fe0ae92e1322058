"""Editor forms with rules that need the page's place in the tree."""

from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm

from core.money_fields import MoneyUnitsField


class LessonPageForm(WagtailAdminPageForm):
    """Prerequisites: lessons of the same course only, and never a cycle."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("prerequisites")
        section = self._section()
        if field is None or section is None:
            return
        from coursepages.models import CoursePage, LessonPage

        course = CoursePage.objects.ancestor_of(section, inclusive=False).first()
        if course is None:
            return
        # Offer only this course's other lessons. The field still validates against every
        # lesson, so a foreign lesson posted anyway gets the clear message from clean().
        # Ids and titles only: the lessons' bodies (a course may have hundreds) are not needed.
        lessons = LessonPage.objects.descendant_of(course).order_by("path")
        if self.instance.pk:
            lessons = lessons.exclude(pk=self.instance.pk)
        field.widget.choices = list(lessons.values_list("pk", "title"))

    def _section(self):
        if self.instance.pk is None:
            return getattr(self, "parent_page", None)
        return self.instance.get_parent()

    def clean(self):
        cleaned = super().clean()
        from coursepages.services import lesson_h5p_publish_errors, lesson_prerequisites_errors

        errors = lesson_prerequisites_errors(
            lesson=self.instance, section=self._section(), prerequisites=list(cleaned.get("prerequisites") or [])
        )
        for message in errors:
            self.add_error("prerequisites", message)
        if self.data.get("action-publish"):
            for message in lesson_h5p_publish_errors(body=cleaned.get("body") or []):
                self.add_error(None, message)
        return cleaned


class CoursePageForm(WagtailAdminPageForm):
    """A new course lists the instructor who creates it when the editor names none, so its card
    and page show who teaches it; the list stays editable in the course's Content panel.

    The price and the sale price are typed in currency units ("499.00") and stored in cents. The instructor share
    override is an admin's decision: for anyone else the field is not part of the form, so its
    panel is hidden and a value posted anyway is ignored (the stored override stays)."""

    price_cents = MoneyUnitsField(
        label="Price (VAT included)",
        required=False,
        help_text="In currency units, e.g. 499.00 for R499.00. Ignored for free courses.",
    )
    sale_price_cents = MoneyUnitsField(
        label="Sale price (VAT included)",
        required=False,
        empty_cents=None,
        help_text="In currency units, e.g. 399.00. Charged instead of the price between the sale's start and end; "
        "blank: no sale.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from coursepages.permissions import user_may_set_revenue_share

        if not user_may_set_revenue_share(getattr(self, "for_user", None)):
            self.fields.pop("revenue_share_override", None)

    def save(self, commit=True):
        page = super().save(commit=False)
        user = getattr(self, "for_user", None)
        from coursepages.services import course_instructors_default

        course_instructors_default(course=page, user=user)
        if commit:
            page.save()
        return page


class PlatformSettingsForm(WagtailAdminModelForm):
    """Platform settings, with the payout threshold typed in currency units."""

    payout_threshold_cents = MoneyUnitsField(
        label="Payout threshold", required=True, help_text="The smallest payout, e.g. 500.00."
    )
