"""The page tree: Home → Catalog → Course → Section → Lesson (docs/architecture.md §2)."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import Http404
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from blocks.home import HomeBodyBlock
from blocks.lesson_body import LessonBodyBlock
from core.dbrouter import reads_from_replica
from coursepages import page_context
from coursepages.forms import CoursePageForm, LessonPageForm
from coursepages.permissions import CourseAuthoringPermissionsMixin
from coursepages.view_restrictions import ViewRestrictionShortcutMixin


def _course_tree_page(ancestor: Page, path_components: list[str], *, first_depth: int):
    """The course, section or lesson at `path_components` below `ancestor`, found by its URL
    path in one query (or none, from the cache); the page type follows from the depth, counted so that `first_depth`
    components reach a course. None when there is no such page of that type."""
    model = {first_depth: CoursePage, first_depth + 1: SectionPage, first_depth + 2: LessonPage}.get(
        len(path_components)
    )
    if model is None:
        return None
    url_path = ancestor.url_path + "/".join(path_components) + "/"
    from coursepages.page_cache import cached_until_pages_change

    # Kept until the next page change, like the course structure: a lesson is opened far more
    # often than any page changes (each use gets its own copy of the instance).
    return cached_until_pages_change(
        f"course-tree-page:v1:{ancestor.pk}:{url_path}",
        lambda: model.objects.filter(url_path=url_path, path__startswith=ancestor.path).first(),
    )


class HomePage(ViewRestrictionShortcutMixin, Page):
    """The site's front page."""

    intro = models.CharField(max_length=255, blank=True)
    body = RichTextField(blank=True)
    sections = StreamField(
        HomeBodyBlock(),
        blank=True,
        help_text="The page's sections, top to bottom: hero, featured courses, categories, instructors, "
        "testimonials, call to action. With none, the title, intro and body show.",
    )

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body"), FieldPanel("sections")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["coursepages.CourseIndexPage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from coursepages.selectors import home_sections_context

        context = super().get_context(request, *args, **kwargs)
        context.update(home_sections_context(page=self))
        return context

    # Anonymous visitors get this page from the page cache (coursepages.page_cache).
    page_cache_params: tuple[str, ...] = ()

    def route(self, request, path_components):
        """/courses/<course>/<section>/<lesson>/ in one query, skipping the course index's two
        (the lesson page's query budget, docs/architecture.md §9); anything else as Wagtail routes it."""
        page = _course_tree_page(self, path_components, first_depth=2)
        return page.route(request, []) if page is not None else super().route(request, path_components)


class CourseIndexPage(ViewRestrictionShortcutMixin, Page):
    """The catalog: browse, search and filter published courses."""

    intro = RichTextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["coursepages.HomePage"]
    subpage_types = ["coursepages.CoursePage"]
    max_count = 1
    # Anonymous visitors get the catalog from the page cache (coursepages.page_cache), one
    # entry per combination of these query parameters; any other parameter skips the cache.
    page_cache_params = ("q", "category", "difficulty", "pricing", "page")

    def route(self, request, path_components):
        """Resolve /courses/<course>/<section>/<lesson>/ in one query instead of two per level
        (the lesson page's query budget, docs/architecture.md §9)."""
        if not 1 <= len(path_components) <= 3:
            return super().route(request, path_components)
        page = _course_tree_page(self, path_components, first_depth=1)
        if page is None:
            raise Http404
        return page.route(request, [])

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(page_context.catalog(request))
        return context

    @reads_from_replica()  # the catalog tolerates a little lag (core/dbrouter.py)
    def serve(self, request, *args, **kwargs):
        return super().serve(request, *args, **kwargs)


class CoursePage(ViewRestrictionShortcutMixin, CourseAuthoringPermissionsMixin, Page):
    """A course: what it teaches, who teaches it, what it costs."""

    class Difficulty(models.TextChoices):
        BEGINNER = "beginner", "Beginner"
        INTERMEDIATE = "intermediate", "Intermediate"
        ADVANCED = "advanced", "Advanced"

    class Pricing(models.TextChoices):
        FREE = "free", "Free"
        ONE_TIME = "one_time", "One-time purchase"
        SUBSCRIPTION = "subscription", "Included in subscription"

    summary = models.CharField(max_length=300, help_text="One or two sentences for the catalog card.")
    description = RichTextField(blank=True)
    thumbnail = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.ForeignKey(
        "coursepages.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="courses"
    )
    difficulty = models.CharField(max_length=20, choices=Difficulty.choices, default=Difficulty.BEGINNER)
    pricing = models.CharField(max_length=20, choices=Pricing.choices, default=Pricing.FREE)
    price_cents = models.PositiveIntegerField(
        "price (cents, VAT included)", default=0, help_text="49900 is R499.00. Ignored for free courses."
    )
    currency = models.CharField(max_length=3, default="ZAR")
    sale_price_cents = models.PositiveIntegerField(
        "sale price (cents, VAT included)",
        null=True,
        blank=True,
        help_text="Charged instead of the price between the sale's start and end; blank: no sale.",
    )
    sale_starts_at = models.DateTimeField(null=True, blank=True, help_text="Blank: the sale runs from now.")
    sale_ends_at = models.DateTimeField(null=True, blank=True, help_text="Blank: the sale runs until removed.")
    revenue_share_override = models.DecimalField(
        "instructor share override (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Leave blank to use each instructor's default share.",
    )
    certificate_template = models.ForeignKey(
        "certificates.CertificateTemplate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Blank uses the site default template.",
    )
    archived = models.BooleanField(
        default=False, help_text="Archived courses leave the catalog; enrolled students keep access."
    )

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("description"),
        index.FilterField("category"),
        index.FilterField("difficulty"),
        index.FilterField("pricing"),
        index.FilterField("archived"),
    ]

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("description"),
        FieldPanel("thumbnail"),
        MultiFieldPanel([FieldPanel("category"), FieldPanel("difficulty")], heading="Catalog"),
        InlinePanel("course_instructors", label="Instructors", min_num=0),
    ]
    pricing_panels = [
        FieldPanel("pricing"),
        FieldPanel("price_cents"),
        FieldPanel("currency"),
        MultiFieldPanel(
            [FieldPanel("sale_price_cents"), FieldPanel("sale_starts_at"), FieldPanel("sale_ends_at")],
            heading="Sale",
        ),
        FieldPanel("revenue_share_override"),
        FieldPanel("certificate_template"),
        FieldPanel("archived"),
    ]

    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading="Content"),
            ObjectList(pricing_panels, heading="Pricing and certificate"),
            ObjectList(Page.promote_panels, heading="Promote"),
            ObjectList(Page.settings_panels, heading="Settings"),
        ]
    )

    parent_page_types = ["coursepages.CourseIndexPage"]
    subpage_types = ["coursepages.SectionPage"]
    # Anonymous visitors get the published course page from the page cache.
    page_cache_params: tuple[str, ...] = ()

    base_form_class = CoursePageForm

    def clean(self):
        super().clean()
        if self.pricing == self.Pricing.ONE_TIME and not self.price_cents:
            raise ValidationError({"price_cents": "A one-time purchase needs a price."})
        if self.pricing == self.Pricing.FREE:
            self.price_cents = 0
        if self.sale_price_cents is not None and self.sale_price_cents >= self.price_cents:
            raise ValidationError({"sale_price_cents": "A sale price must be below the price."})
        if self.sale_starts_at and self.sale_ends_at and self.sale_ends_at <= self.sale_starts_at:
            raise ValidationError({"sale_ends_at": "The sale must end after it starts."})

    def on_sale(self, now=None) -> bool:
        """Whether the sale price applies at `now` (default: this moment)."""
        if self.sale_price_cents is None or self.pricing != self.Pricing.ONE_TIME:
            return False
        from django.utils import timezone

        now = now or timezone.now()
        if self.sale_starts_at and now < self.sale_starts_at:
            return False
        return not (self.sale_ends_at and now >= self.sale_ends_at)

    def current_price_cents(self, now=None) -> int:
        """What a buyer pays now, VAT included: the sale price while the sale runs."""
        return self.sale_price_cents if self.on_sale(now) else self.price_cents

    @property
    def is_free(self):
        return self.pricing == self.Pricing.FREE

    def lessons(self):
        """The course's lessons as pages, in tree order: those of its cached structure (the live
        lessons of its live sections, coursepages.structure), for callers that need the page
        itself (its body). Counts and totals read coursepages.structure directly."""
        from coursepages.structure import course_lesson_ids

        return LessonPage.objects.filter(pk__in=course_lesson_ids(self)).order_by("path")

    def sections(self):
        return SectionPage.objects.live().child_of(self).order_by("path")

    def instructor_users(self):
        return [ci.user for ci in self.course_instructors.select_related("user").all()]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(page_context.course(request, self))
        return context

    @reads_from_replica()  # the viewer's own recent writes pin them to the primary (core/dbrouter.py)
    def serve(self, request, *args, **kwargs):
        return super().serve(request, *args, **kwargs)


class CourseInstructor(Orderable):
    """An instructor of a course, with their weight in splitting the instructor share."""

    page = ParentalKey(CoursePage, on_delete=models.CASCADE, related_name="course_instructors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="taught_courses")
    weight = models.PositiveIntegerField(default=1, help_text="Relative share among this course's instructors.")

    panels = [FieldPanel("user"), FieldPanel("weight")]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["page", "user"], name="unique_course_instructor")]


class SectionPage(ViewRestrictionShortcutMixin, CourseAuthoringPermissionsMixin, Page):
    """A section of a course; its lessons are ordered by the page tree."""

    summary = models.TextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("summary")]

    parent_page_types = ["coursepages.CoursePage"]
    subpage_types = ["coursepages.LessonPage"]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(page_context.section(request, self))
        return context


class LessonPage(ViewRestrictionShortcutMixin, CourseAuthoringPermissionsMixin, Page):
    """A lesson: a body of blocks, with prerequisites and drip timing."""

    body = StreamField(LessonBodyBlock(), blank=True)
    estimated_minutes = models.PositiveIntegerField(default=10)
    free_preview = models.BooleanField(default=False, help_text="Open to everyone, enrolled or not.")
    prerequisites = ParentalManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="required_by",
        help_text="Lessons of this course that must be completed first.",
    )
    unlock_after_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Days after enrollment before this lesson opens (drip)."
    )

    search_fields = Page.search_fields + [index.SearchField("body")]

    content_panels = Page.content_panels + [FieldPanel("body")]
    settings_panels = Page.settings_panels + [
        MultiFieldPanel(
            [
                FieldPanel("estimated_minutes"),
                FieldPanel("free_preview"),
                FieldPanel("prerequisites", widget=forms.CheckboxSelectMultiple),
                FieldPanel("unlock_after_days"),
            ],
            heading="Access",
        )
    ]

    parent_page_types = ["coursepages.SectionPage"]
    subpage_types: list[str] = []

    def course(self):
        """The CoursePage this lesson belongs to (grandparent in the tree)."""
        return CoursePage.objects.ancestor_of(self).first()

    base_form_class = LessonPageForm

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(page_context.lesson(request, self))  # `access` says whether the body may show
        return context
