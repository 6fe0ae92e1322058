"""The StreamBlock of a lesson body: every block family a lesson may contain."""

from wagtail import blocks

from .ai_tool import AIToolBlock
from .assignment import AssignmentBlock
from .files import DocumentBlock
from .h5p import H5PBlock
from .media import CalloutBlock, ImageBlock
from .quiz import QuizBlock
from .text import MarkdownBlock, RichTextBlock
from .video import VideoBlock

# Block types whose completion the learner must earn (see learners.progress).
ACTIVITY_BLOCK_TYPES = ("video", "quiz", "assignment", "h5p", "ai_tool")
# Block types whose HTML is the same for every viewer and request: their templates read only
# the block's value (no request, user, per-user state or CSRF token), so the lesson player
# renders them once per published revision (coursepages.body_cache). A block type joins this
# list only if that stays true of its template.
SHARED_BLOCK_TYPES = ("rich_text", "markdown", "callout", "image")


class LessonBodyBlock(blocks.StreamBlock):
    rich_text = RichTextBlock()
    markdown = MarkdownBlock()
    video = VideoBlock()
    document = DocumentBlock()
    quiz = QuizBlock()
    assignment = AssignmentBlock()
    h5p = H5PBlock()
    ai_tool = AIToolBlock()
    callout = CalloutBlock()
    image = ImageBlock()
