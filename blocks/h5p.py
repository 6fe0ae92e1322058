"""An H5P activity: a validated, extracted .h5p package played by h5p-standalone."""

from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock


class H5PBlock(blocks.StructBlock):
    title = blocks.CharBlock(required=False)
    package = SnippetChooserBlock("coursepages.H5PPackage")
    completion = blocks.ChoiceBlock(
        choices=[("completed", "When completed or answered"), ("passed", "Only when passed")], default="completed"
    )
    ungraded_completes = blocks.BooleanBlock(
        required=False,
        default=True,
        label="Completion-only types may complete the lesson",
        help_text=(
            "The server grades True/False, Multiple Choice, Single Choice Set, Fill in the Blanks, "
            "Drag the Words, Mark the Words and Question Sets of those itself. Other content types "
            "are completion only (no score is recorded; the browser's claim is not trusted; the "
            "package list and chooser say which packages are): tick to let finishing one complete "
            "the lesson."
        ),
    )
    allow_retry = blocks.BooleanBlock(
        required=False,
        default=True,
        label="The student may retry after finishing",
        help_text=(
            "Untick for one attempt: once the student has an answer or completion recorded, the "
            "lesson shows their result without the player and the server refuses a new attempt."
        ),
    )

    def get_preview_value(self):
        # The chooser resolves "coursepages.H5PPackage" by name: blocks never imports coursepages.
        package = self.child_blocks["package"].target_model.objects.order_by("-pk").first()
        return self.to_python(
            {
                "title": "Interactive exercise",
                "package": package.pk if package else None,
                "completion": "completed",
                "ungraded_completes": True,
                "allow_retry": True,
            }
        )

    class Meta:
        description = "An interactive H5P activity from an uploaded .h5p package."
        template = "blocks/h5p.html"
        icon = "pick"
        label = "H5P activity"
