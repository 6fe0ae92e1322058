"""Quiz: questions with one or several correct options, graded on the server. The
student-facing template never receives which option is correct."""

from django.core.exceptions import ValidationError
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError


class QuizOptionBlock(blocks.StructBlock):
    text = blocks.CharBlock()
    is_correct = blocks.BooleanBlock(required=False)
    feedback = blocks.CharBlock(required=False, help_text="Shown when feedback is allowed.")

    class Meta:
        icon = "radio-full"
        label = "Option"


class QuizQuestionBlock(blocks.StructBlock):
    text = blocks.TextBlock(rows=2)
    kind = blocks.ChoiceBlock(
        choices=[("single", "One correct option"), ("multiple", "Several correct options")], default="single"
    )
    options = blocks.ListBlock(QuizOptionBlock(), min_num=2)
    points = blocks.IntegerBlock(min_value=1, default=1)
    explanation = blocks.TextBlock(required=False, rows=2)

    def clean(self, value):
        value = super().clean(value)
        correct = sum(1 for option in value["options"] if option["is_correct"])
        if correct == 0:
            raise StructBlockValidationError(
                block_errors={"options": ValidationError("Mark at least one option as correct.")}
            )
        if value["kind"] == "single" and correct > 1:
            raise StructBlockValidationError(
                block_errors={"options": ValidationError("A one-answer question must have exactly one correct option.")}
            )
        return value

    class Meta:
        icon = "help"
        label = "Question"


class QuizBlock(blocks.StructBlock):
    title = blocks.CharBlock(default="Quiz")
    description = blocks.TextBlock(required=False, rows=2)
    questions = blocks.ListBlock(QuizQuestionBlock(), min_num=1)
    passing_score = blocks.IntegerBlock(min_value=0, max_value=100, default=70, help_text="Percent of points.")
    max_attempts = blocks.IntegerBlock(min_value=0, default=3, help_text="0 means unlimited.")
    time_limit_minutes = blocks.IntegerBlock(min_value=0, default=0, help_text="0 means no limit.")
    shuffle_questions = blocks.BooleanBlock(required=False, default=False)
    shuffle_options = blocks.BooleanBlock(required=False, default=False)
    feedback_mode = blocks.ChoiceBlock(
        choices=[
            ("immediate", "Immediately after each attempt"),
            ("after_last", "Only after the last attempt"),
            ("never", "Never"),
        ],
        default="immediate",
    )

    class Meta:
        template = "blocks/quiz.html"
        icon = "tasks"
        label = "Quiz"
        description = "Graded questions; passing completes the lesson."
        preview_value = {
            "title": "Check your understanding",
            "questions": [
                {
                    "text": "What is 15% VAT on a VAT-inclusive R115?",
                    "kind": "single",
                    "points": 1,
                    "options": [{"text": "R15", "is_correct": True}, {"text": "R17.25", "is_correct": False}],
                }
            ],
        }
