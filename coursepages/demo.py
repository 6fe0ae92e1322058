"""Demo courses: one free, one paid (R499.00), one included in the subscription, and one
waiting in review. Between them they use every lesson block."""

import io
from pathlib import Path

from django.core.files.images import ImageFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Workflow
from xhtml2pdf import pisa

from accounts.demo import demo_user
from blocks.raw import home_sections, lesson_body

from .models import Category, CourseIndexPage, CourseInstructor, CoursePage, HomePage, LessonPage, SectionPage


def _image(title: str, colour: str, accent: str | None = None, *, label: str | None = None) -> Image:
    """A generated picture titled `title`, showing `label` (the title unless given; "" for none)."""
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing
    picture = PILImage.new("RGB", (1200, 630), colour)
    draw = ImageDraw.Draw(picture)
    if accent:  # a course cover: a diagonal band and two circles behind the title
        draw.polygon([(0, 630), (1200, 180), (1200, 630)], fill=accent)
        draw.ellipse((900, -160, 1320, 260), outline="white", width=10)
        draw.ellipse((-120, 420, 200, 740), fill=colour, outline="white", width=6)
    if label is None or label:
        draw.text((60, 280), title if label is None else label, fill="white", font_size=64)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return Image.objects.create(title=title, file=ImageFile(buffer, name=f"{title.lower().replace(' ', '-')}.png"))


def _pdf(title: str) -> Document:
    existing = Document.objects.filter(title=title).first()
    if existing:
        return existing
    buffer = io.BytesIO()
    pisa.CreatePDF(f"<h1>{title}</h1><p>VAT-inclusive price × 15/115 = VAT.</p>", dest=buffer)
    return Document.objects.create(
        title=title, file=SimpleUploadedFile(f"{title.lower().replace(' ', '-')}.pdf", buffer.getvalue())
    )


DEMO_VIDEO = Path(__file__).resolve().parent / "demo_content" / "lectern-intro.mp4"
DEMO_VIDEO_SECONDS = 20  # the clip's length (its MP4 header says 20.0 s)


def _video(title: str) -> Document:
    """The demo's self-hosted clip (a 20 s, 48 KB H.264 MP4 shipped in demo_content/), so the
    video lesson plays with no internet."""
    existing = Document.objects.filter(title=title).first()
    if existing:
        return existing
    return Document.objects.create(
        title=title, file=SimpleUploadedFile(DEMO_VIDEO.name, DEMO_VIDEO.read_bytes(), content_type="video/mp4")
    )


def _category(name: str, parent: Category | None = None) -> Category:
    existing = Category.objects.filter(name=name).first()
    if existing:
        return existing
    if parent:
        return parent.add_child(name=name)
    return Category.add_root(name=name)


def _quiz(title: str) -> dict:
    return {
        "title": title,
        "description": "Three questions; 70% passes.",
        "passing_score": 70,
        "max_attempts": 3,
        "time_limit_minutes": 0,
        "shuffle_questions": False,
        "shuffle_options": True,
        "feedback_mode": "immediate",
        "questions": [
            {
                "text": "A course costs R115 including 15% VAT. How much of that is VAT?",
                "kind": "single",
                "points": 1,
                "explanation": "VAT = gross × rate / (1 + rate) = 115 × 0.15 / 1.15 = R15.",
                "options": [
                    {"text": "R15.00", "is_correct": True, "feedback": "Right: 115 × 15/115."},
                    {
                        "text": "R17.25",
                        "is_correct": False,
                        "feedback": "That is 15% of R115, but the price already includes VAT.",
                    },
                    {"text": "R11.50", "is_correct": False, "feedback": "That is 10%."},
                ],
            },
            {
                "text": "Which of these are Python built-in types?",
                "kind": "multiple",
                "points": 2,
                "explanation": "list and dict are built in; array lives in a module.",
                "options": [
                    {"text": "list", "is_correct": True, "feedback": ""},
                    {"text": "dict", "is_correct": True, "feedback": ""},
                    {
                        "text": "array",
                        "is_correct": False,
                        "feedback": "array is in the standard library's array module.",
                    },
                ],
            },
            {
                "text": "What does `len('hello')` return?",
                "kind": "single",
                "points": 1,
                "explanation": "Five characters.",
                "options": [
                    {"text": "5", "is_correct": True, "feedback": ""},
                    {"text": "4", "is_correct": False, "feedback": ""},
                ],
            },
        ],
    }


def _assignment() -> dict:
    return {
        "title": "Write a price calculator",
        "instructions": "<p>Write a function that returns the VAT part of a VAT-inclusive price in cents, "
        "rounded half-up. Upload your .py file or paste the code.</p>",
        "rubric": [
            {"title": "Correct results", "description": "Right to the cent for the examples.", "points": 6},
            {"title": "Readable code", "description": "Names and structure.", "points": 4},
        ],
        "max_score": 10,
        "allow_text": True,
        "accepted_file_types": ["py", "txt", "pdf"],
        "max_files": 2,
        "max_file_size_mb": 5,
        "allow_resubmission": True,
        "due_days_after_enrollment": 14,
        "completion": "submitted",
        "pass_mark": 50,
    }


def _courses(image, document, video=None):
    """(course fields, instructor email, [(section title, [(lesson title, body, extra fields)])])"""
    text = lambda html: ("rich_text", html)  # noqa: E731
    return [
        (
            {
                "title": "Python for Beginners",
                "slug": "python-for-beginners",
                "pricing": CoursePage.Pricing.FREE,
                "price_cents": 0,
                "difficulty": CoursePage.Difficulty.BEGINNER,
                "summary": "Write your first programs: values, names, functions and a little VAT arithmetic.",
            },
            "thandi@lectern.local",
            "Programming",
            [
                (
                    "Getting started",
                    [
                        (
                            "Welcome",
                            [
                                text("<p>Welcome to the course. Each lesson takes about ten minutes.</p>"),
                                (
                                    "callout",
                                    {
                                        "style": "tip",
                                        "title": "How to use this course",
                                        "body": "<p>Work through the lessons in order; mark each complete.</p>",
                                    },
                                ),
                                ("image", {"image": image.pk, "alt_text": "Course banner", "caption": "Let's begin"}),
                            ],
                            {"free_preview": True},
                        ),
                        (
                            "Your first program",
                            [
                                (
                                    "markdown",
                                    "## Hello\n\n```python\nprint('Hello, Lectern!')\n```\n\n"
                                    "Run it with `python hello.py`.",
                                )
                            ],
                            {},
                        ),
                    ],
                ),
                (
                    "Working with numbers",
                    [
                        (
                            "VAT arithmetic",
                            [
                                text("<p>Prices include VAT. VAT = gross × rate ÷ (1 + rate).</p>"),
                                (
                                    "document",
                                    {
                                        "title": "VAT cheat sheet",
                                        "document": document.pk,
                                        "show_preview": True,
                                        "allow_download": True,
                                    },
                                ),
                            ],
                            {},
                        ),
                        (
                            "Check your understanding",
                            [("quiz", _quiz("Numbers quiz"))],
                            {"prerequisites": ["VAT arithmetic"]},
                        ),
                    ],
                ),
            ],
        ),
        (
            {
                "title": "Web Development with Django",
                "slug": "django-web-development",
                "pricing": CoursePage.Pricing.ONE_TIME,
                "price_cents": 49900,
                "difficulty": CoursePage.Difficulty.INTERMEDIATE,
                "summary": "Build and deploy a Django site: models, views, templates and tests.",
            },
            "pieter@lectern.local",
            "Web development",
            [
                (
                    "Foundations",
                    [
                        (
                            "Course overview",
                            [
                                text("<p>What we will build, and how.</p>"),
                                (
                                    "video",
                                    {
                                        "title": "Overview",
                                        "source": "file",
                                        "file": video.pk if video else None,
                                        "duration": DEMO_VIDEO_SECONDS,
                                        "completion_threshold": 80,
                                    },
                                ),
                            ],
                            {"free_preview": True},
                        ),
                        (
                            "Models and migrations",
                            [
                                (
                                    "markdown",
                                    "```python\nclass Course(models.Model):\n"
                                    "    title = models.CharField(max_length=200)\n```",
                                )
                            ],
                            {},
                        ),
                    ],
                ),
                (
                    "Going further",
                    [
                        ("Project: a price calculator", [("assignment", _assignment())], {}),
                        (
                            "Practice with the tutor",
                            [
                                (
                                    "ai_tool",
                                    {
                                        "title": "VAT practice tutor",
                                        "tool_url": "/demotool/launch/",
                                        "allowed_origin": "",
                                        "parameters": [{"name": "topic", "value": "vat"}],
                                        "permissions": ["read_profile", "report_score"],
                                        "completion_rule": "min_score",
                                        "min_score": 60,
                                        "height": 520,
                                    },
                                )
                            ],
                            {},  # not drip-locked: the demo student finishes the course today
                        ),
                    ],
                ),
            ],
        ),
        (
            {
                "title": "Data Analysis with Spreadsheets",
                "slug": "data-analysis-spreadsheets",
                "pricing": CoursePage.Pricing.SUBSCRIPTION,
                "price_cents": 0,
                "difficulty": CoursePage.Difficulty.BEGINNER,
                "summary": "Clean, summarise and chart data. Included in the Lectern subscription.",
            },
            "thandi@lectern.local",
            "Data",
            [
                (
                    "Cleaning data",
                    [
                        ("Tidy tables", [text("<p>One row per observation, one column per variable.</p>")], {}),
                        ("Spotting errors", [text("<p>Look for blanks, duplicates and outliers.</p>")], {}),
                    ],
                ),
                (
                    "Summaries",
                    [
                        ("Pivot tables", [text("<p>Group, count and sum.</p>")], {}),
                        # drip: opens three days after enrolling (the demo's one locked lesson)
                        ("Charts that tell the truth", [text("<p>Start bars at zero.</p>")], {"unlock_after_days": 3}),
                    ],
                ),
            ],
        ),
    ]


def _build_course(catalog, fields, instructor, category, sections, *, publish=True) -> CoursePage:
    course = CoursePage.objects.filter(slug=fields["slug"]).first()
    if course:
        return course
    course = CoursePage(
        **fields, category=category, owner=instructor, live=publish, description=f"<p>{fields['summary']}</p>"
    )
    catalog.add_child(instance=course)
    CourseInstructor.objects.create(page=course, user=instructor, weight=1)
    for section_title, lessons in sections:
        section = SectionPage(title=section_title, owner=instructor, live=publish)
        course.add_child(instance=section)
        created: dict[str, LessonPage] = {}
        for lesson_title, items, extra in lessons:
            prerequisite_titles = extra.pop("prerequisites", [])
            lesson = LessonPage(title=lesson_title, owner=instructor, live=publish, body=lesson_body(items), **extra)
            section.add_child(instance=lesson)
            if prerequisite_titles:
                lesson.prerequisites.set(
                    [
                        created.get(t) or LessonPage.objects.descendant_of(course).get(title=t)
                        for t in prerequisite_titles
                    ]
                )
                lesson.save()
            created[lesson_title] = lesson
    moderator = demo_user("admin@lectern.local")
    for page in [course, *course.get_descendants().specific()]:
        revision = page.save_revision(user=instructor)
        if publish:  # as approved by the demo moderator
            revision.publish(user=moderator)
    return course


def _undrip_the_ai_tool_lesson() -> None:
    """A site seeded before kept the AI-tool lesson locked for seven days after enrolling, so the
    demo student could not finish the course: open it (a new revision, published)."""
    lesson = LessonPage.objects.filter(title="Practice with the tutor", unlock_after_days__gt=0).first()
    if lesson is None:
        return
    lesson.unlock_after_days = 0
    lesson.save_revision(user=lesson.owner).publish(user=demo_user("admin@lectern.local"))


COURSE_COVERS = {  # slug: (cover title, colour, accent)
    "python-for-beginners": ("Python for Beginners cover", "#1d4ed8", "#1e3a8a"),
    "django-web-development": ("Django cover", "#047857", "#064e3b"),
    "data-analysis-spreadsheets": ("Spreadsheets cover", "#b45309", "#7c2d12"),
}


def _course_covers() -> None:
    """The demo courses' own card images (generated here with Pillow), set once."""
    for slug, (title, colour, accent) in COURSE_COVERS.items():
        course = CoursePage.objects.filter(slug=slug, thumbnail__isnull=True).first()
        if course is None:
            continue
        course.thumbnail = _image(title.removesuffix(" cover"), colour, accent)
        course.save_revision(user=course.owner).publish(user=demo_user("admin@lectern.local"))


def _home_page(stdout) -> None:
    """Fill the home page's sections once (an editor's later changes are kept)."""
    home = HomePage.objects.first()
    if home is None or home.sections:
        return
    featured = [
        course.pk
        for course in CoursePage.objects.live().filter(slug__in=list(COURSE_COVERS)).order_by("first_published_at")
    ]
    home.sections = home_sections(
        [
            (
                "hero",
                {
                    "heading": "Learn skills that pay, at your own pace",
                    "text": "Short lessons from working instructors, quizzes that explain, real projects "
                    "and a certificate when you finish. Prices in rand, VAT included.",
                    "image": _image("Lectern home hero", "#1d4ed8", "#7c3aed", label="").pk,
                    "primary": {"label": "Browse courses", "url": "/courses/"},
                    "secondary": {"label": "Create a free account", "url": "/accounts/signup/"},
                },
            ),
            ("featured_courses", {"heading": "Featured courses", "courses": featured}),
            ("categories", {"heading": "Explore by topic"}),
            (
                "instructors",
                {"heading": "Learn from practitioners", "text": "Every course is written by someone who does it."},
            ),
            (
                "testimonials",
                {
                    "heading": "What students say",
                    "items": [
                        {
                            "quote": "Short lessons, clear examples. The VAT arithmetic finally makes sense.",
                            "name": "Sipho D.",
                            "role": "Bookkeeper, Durban",
                        },
                        {
                            "quote": "I finished the Python course in a week of evenings and got my certificate.",
                            "name": "Lerato M.",
                            "role": "Student, Johannesburg",
                        },
                    ],
                },
            ),
            (
                "call_to_action",
                {
                    "heading": "Start learning today",
                    "text": "Python for Beginners is free: all you need is an account.",
                    "link": {"label": "Create your account", "url": "/accounts/signup/"},
                },
            ),
        ]
    )
    home.save_revision(user=demo_user("admin@lectern.local")).publish()
    stdout.write("filled the home page")


def seed(*, stdout):
    catalog = CourseIndexPage.objects.first()
    programming = _category("Programming")
    categories = {
        "Programming": programming,
        "Web development": _category("Web development", programming),
        "Data": _category("Data"),
    }
    image = _image("Lectern demo banner", "#1d4ed8")
    document = _pdf("VAT cheat sheet")
    video = _video("Lectern demo video")
    for fields, email, category, sections in _courses(image, document, video):
        existed = CoursePage.objects.filter(slug=fields["slug"]).exists()
        _build_course(catalog, dict(fields), demo_user(email), categories[category], sections)
        if not existed:
            stdout.write(f"created course {fields['title']}")

    _undrip_the_ai_tool_lesson()
    _course_covers()
    _home_page(stdout)

    if not CoursePage.objects.filter(slug="intro-to-statistics").exists():
        instructor = demo_user("pieter@lectern.local")
        course = _build_course(
            catalog,
            {
                "title": "Introduction to Statistics",
                "slug": "intro-to-statistics",
                "pricing": CoursePage.Pricing.FREE,
                "price_cents": 0,
                "difficulty": CoursePage.Difficulty.BEGINNER,
                "summary": "Averages, spread and why samples mislead. Waiting for a moderator's review.",
            },
            instructor,
            categories["Data"],
            [("Describing data", [("Mean, median, mode", [("rich_text", "<p>Three kinds of average.</p>")], {})])],
            publish=False,
        )
        workflow = course.get_workflow() or Workflow.objects.get(name="Course review")
        workflow.start(course, instructor)
        stdout.write("submitted Introduction to Statistics for review")
    # Search inside courses and "ask this course": the demo's lessons were built without
    # publish signals, so their passages and embeddings are made here.
    from coursepages.embeddings import passages_embed
    from coursepages.passages import passages_rebuild

    passages_rebuild()
    passages_embed()
