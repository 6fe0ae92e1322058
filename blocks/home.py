"""The home page's blocks: hero, featured courses, categories, instructors, testimonials and a
call to action. Editors arrange them; what a block lists (the chosen courses with their
cards, the categories, the instructors) is loaded once by HomePage.get_context, so rendering
queries nothing."""

from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock


class LinkBlock(blocks.StructBlock):
    label = blocks.CharBlock(max_length=60)
    url = blocks.CharBlock(max_length=300, help_text="A site path such as /courses/ or a full https:// address.")

    class Meta:
        icon = "link"


class HeroBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120)
    text = blocks.TextBlock(required=False, max_length=400)
    image = ImageChooserBlock(required=False)
    primary = LinkBlock(required=False)
    secondary = LinkBlock(required=False)

    class Meta:
        icon = "title"
        template = "blocks/home/hero.html"
        preview_value = {
            "heading": "Learn skills that pay, at your pace",
            "text": "Short lessons, real projects and a certificate when you finish.",
            "primary": {"label": "Browse courses", "url": "/courses/"},
        }


class FeaturedCoursesBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120, default="Featured courses")
    courses = blocks.ListBlock(blocks.PageChooserBlock(page_type="coursepages.CoursePage"), min_num=1, max_num=6)

    class Meta:
        icon = "pick"
        template = "blocks/home/featured_courses.html"


class CategoriesBlock(blocks.StructBlock):
    """The catalog's top-level categories, each a link to the filtered catalog."""

    heading = blocks.CharBlock(max_length=120, default="Explore by topic")

    class Meta:
        icon = "folder-open-inverse"
        template = "blocks/home/categories.html"


class InstructorsBlock(blocks.StructBlock):
    """The instructors of the published courses."""

    heading = blocks.CharBlock(max_length=120, default="Learn from practitioners")
    text = blocks.TextBlock(required=False, max_length=300)

    class Meta:
        icon = "group"
        template = "blocks/home/instructors.html"


class TestimonialBlock(blocks.StructBlock):
    quote = blocks.TextBlock(max_length=400)
    name = blocks.CharBlock(max_length=80)
    role = blocks.CharBlock(max_length=80, required=False)


class TestimonialsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120, default="What students say")
    items = blocks.ListBlock(TestimonialBlock(), min_num=1, max_num=6)

    class Meta:
        icon = "openquote"
        template = "blocks/home/testimonials.html"


class CallToActionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120)
    text = blocks.TextBlock(required=False, max_length=300)
    link = LinkBlock()

    class Meta:
        icon = "pick"
        template = "blocks/home/call_to_action.html"
        preview_value = {
            "heading": "Start learning today",
            "text": "Free courses need only an account.",
            "link": {"label": "Create your account", "url": "/accounts/signup/"},
        }


class HomeBodyBlock(blocks.StreamBlock):
    hero = HeroBlock()
    featured_courses = FeaturedCoursesBlock()
    categories = CategoriesBlock()
    instructors = InstructorsBlock()
    testimonials = TestimonialsBlock()
    call_to_action = CallToActionBlock()
