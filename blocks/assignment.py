"""Assignment: instructions, a rubric, accepted files; graded by instructors."""

from django.core.exceptions import ValidationError
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

FILE_TYPE_CHOICES = [
    ("pdf", "PDF"),
    ("docx", "Word (.docx)"),
    ("odt", "OpenDocument text"),
    ("txt", "Plain text"),
    ("md", "Markdown"),
    ("py", "Python source"),
    ("zip", "ZIP archive"),
    ("png", "PNG image"),
    ("jpg", "JPEG image"),
]


class RubricCriterionBlock(blocks.StructBlock):
    title = blocks.CharBlock()
    description = blocks.TextBlock(required=False, rows=2)
    points = blocks.IntegerBlock(min_value=1)

    class Meta:
        icon = "list-ul"
        label = "Criterion"


class AssignmentBlock(blocks.StructBlock):
    title = blocks.CharBlock(default="Assignment")
    instructions = blocks.RichTextBlock()
    rubric = blocks.ListBlock(RubricCriterionBlock(), min_num=1)
    max_score = blocks.IntegerBlock(min_value=1, help_text="Must equal the sum of the rubric points.")
    allow_text = blocks.BooleanBlock(required=False, default=True, help_text="Students may type an answer.")
    accepted_file_types = blocks.MultipleChoiceBlock(choices=FILE_TYPE_CHOICES, required=False)
    max_files = blocks.IntegerBlock(min_value=0, max_value=20, default=3)
    max_file_size_mb = blocks.IntegerBlock(min_value=1, max_value=100, default=10)
    allow_resubmission = blocks.BooleanBlock(required=False, default=False)
    due_days_after_enrollment = blocks.IntegerBlock(required=False, min_value=0)
    completion = blocks.ChoiceBlock(
        choices=[("submitted", "When submitted"), ("passed", "When graded at or above the pass mark")],
        default="submitted",
    )
    pass_mark = blocks.IntegerBlock(min_value=0, max_value=100, default=50, help_text="Percent, for 'passed'.")

    def clean(self, value):
        value = super().clean(value)
        # Checked here as well as by min_num/required, because Wagtail defers those checks
        # when a draft is saved, and an assignment without a rubric cannot be graded.
        if not value["rubric"]:
            raise StructBlockValidationError(
                block_errors={"rubric": ValidationError("Add at least one rubric criterion.")}
            )
        if value["max_score"] is None:
            raise StructBlockValidationError(block_errors={"max_score": ValidationError("Set the max score.")})
        total = sum((criterion["points"] or 0) for criterion in value["rubric"])
        if value["max_score"] != total:
            raise StructBlockValidationError(
                block_errors={
                    "max_score": ValidationError(f"The rubric adds up to {total} points; the max score must match.")
                }
            )
        if not value["allow_text"] and (value["max_files"] == 0 or not value["accepted_file_types"]):
            raise StructBlockValidationError(
                block_errors={"accepted_file_types": ValidationError("Allow a text answer or at least one file type.")}
            )
        return value

    class Meta:
        template = "blocks/assignment.html"
        icon = "form"
        label = "Assignment"
        description = "Work that students submit as text or files, graded against a rubric."
        preview_value = {
            "title": "Write a price calculator",
            "instructions": "<p>Write a function that returns the VAT part of a price in cents.</p>",
            "rubric": [{"title": "Correct results", "points": 6}, {"title": "Readable code", "points": 4}],
            "max_score": 10,
            "allow_text": True,
            "accepted_file_types": ["py", "pdf"],
        }
