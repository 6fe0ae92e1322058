from .categories import Category
from .h5p import H5PLibrary, H5PPackage
from .pages import CourseIndexPage, CourseInstructor, CoursePage, HomePage, LessonPage, SectionPage
from .passages import LessonPassage
from .settings import PlatformSettings

__all__ = [
    "Category",
    "CourseIndexPage",
    "CourseInstructor",
    "CoursePage",
    "H5PLibrary",
    "H5PPackage",
    "HomePage",
    "LessonPage",
    "LessonPassage",
    "PlatformSettings",
    "SectionPage",
]
