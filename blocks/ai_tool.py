"""An AI tool hosted elsewhere, embedded in a sandboxed iframe with a launch token."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.snippets.blocks import SnippetChooserBlock


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


class ParameterBlock(blocks.StructBlock):
    name = blocks.CharBlock(max_length=64)
    value = blocks.CharBlock(required=False)


class AIToolBlock(blocks.StructBlock):
    """An AI tool in the lesson. With an LTI tool chosen, it launches by LTI 1.3 and only the
    tool's AGS grade completes it (a score rule is possible). Without one, the tool completes
    it *by its word* (the launch-token protocol, no score): its rule must be "when the tool
    reports completion". (The tool_url help text still names the removed /ai-tools/demo/
    only because changing it would need a lesson-body migration: the demo tutor now lives
    at /demotool/.)"""

    title = blocks.CharBlock()
    tool_url = blocks.CharBlock(
        help_text="https://… address of the tool, or a path on this site such as /ai-tools/demo/."
    )
    lti_tool = SnippetChooserBlock(
        "learners.LTITool",
        required=False,
        help_text="A registered LTI 1.3 tool: its grade comes back server to server (AGS) and only that "
        "completes the activity.",
    )
    allowed_origin = blocks.CharBlock(
        required=False, help_text="Origin allowed to report completion; blank means this site's own origin."
    )
    parameters = blocks.ListBlock(ParameterBlock(), default=[])
    permissions = blocks.MultipleChoiceBlock(
        choices=[("read_profile", "Read the student's name"), ("report_score", "Report a score")],
        default=["report_score"],
        required=False,
    )
    completion_rule = blocks.ChoiceBlock(
        choices=[("complete", "When the tool reports completion"), ("min_score", "When the score reaches a minimum")],
        default="complete",
    )
    min_score = blocks.IntegerBlock(required=False, min_value=0, max_value=100)
    height = blocks.IntegerBlock(default=480, min_value=200, max_value=2000)

    def clean(self, value):
        value = super().clean(value)
        errors = {}
        url = value["tool_url"]
        if not (url.startswith("/") or origin_of(url).startswith("https://") or origin_of(url).startswith("http://")):
            errors["tool_url"] = ValidationError("Enter an http(s) address or a path starting with /.")
        origin = value.get("allowed_origin") or ""
        if origin and (origin_of(origin) != origin.rstrip("/")):
            errors["allowed_origin"] = ValidationError("An origin is scheme and host only, like https://tool.example.")
        if value["completion_rule"] == "min_score" and value.get("min_score") is None:
            errors["min_score"] = ValidationError("Set the minimum score.")
        if value["completion_rule"] == "min_score" and value.get("lti_tool") is None:
            errors["lti_tool"] = ValidationError(
                "A minimum score needs an LTI tool: only its grade, sent server to server, is trusted. "
                "A tool without LTI completes by its word only."
            )
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value

    class Meta:
        template = "blocks/ai_tool.html"
        icon = "site"
        label = "AI tool"
        description = "An AI tool hosted elsewhere, embedded in a sandboxed frame."
        preview_value = {
            "title": "Practice with the tutor",
            "tool_url": "/demotool/launch/",
            "completion_rule": "complete",
            "height": 480,
        }
