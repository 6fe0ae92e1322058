"""Video: YouTube, Vimeo, an uploaded file or an HLS stream, with captions and a
completion threshold (percent actually watched)."""

import re

from django.core.exceptions import ValidationError
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock

YOUTUBE_ID = re.compile(r"(?:youtube\.com/(?:watch\?(?:.*&)?v=|embed/|shorts/)|youtu\.be/)([A-Za-z0-9_-]{11})")
VIMEO_ID = re.compile(r"vimeo\.com/(?:video/)?(\d+)")


def youtube_id(url: str) -> str | None:
    match = YOUTUBE_ID.search(url or "")
    return match.group(1) if match else None


def vimeo_id(url: str) -> str | None:
    match = VIMEO_ID.search(url or "")
    return match.group(1) if match else None


class VideoBlock(blocks.StructBlock):
    title = blocks.CharBlock(required=False)
    source = blocks.ChoiceBlock(
        choices=[("youtube", "YouTube"), ("vimeo", "Vimeo"), ("file", "Uploaded file"), ("hls", "HLS stream URL")],
        default="youtube",
    )
    url = blocks.URLBlock(required=False, help_text="YouTube, Vimeo or .m3u8 address.")
    file = DocumentChooserBlock(required=False, help_text="An uploaded MP4/WebM file.")
    captions = DocumentChooserBlock(required=False, help_text="WebVTT captions (.vtt).")
    captions_language = blocks.CharBlock(required=False, default="en", max_length=10)
    completion_threshold = blocks.IntegerBlock(
        min_value=1, max_value=100, default=90, help_text="Percent of the video that must be watched."
    )

    def clean(self, value):
        value = super().clean(value)
        source, url = value.get("source"), value.get("url") or ""
        errors = {}
        if source == "youtube" and not youtube_id(url):
            errors["url"] = ValidationError("Enter a YouTube video address.")
        elif source == "vimeo" and not vimeo_id(url):
            errors["url"] = ValidationError("Enter a Vimeo video address.")
        elif source == "hls" and ".m3u8" not in url:
            errors["url"] = ValidationError("Enter the address of an .m3u8 playlist.")
        elif source == "file" and not value.get("file"):
            errors["file"] = ValidationError("Choose the uploaded video file.")
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value

    class Meta:
        template = "blocks/video.html"
        icon = "media"
        label = "Video"
        description = "A video that completes the lesson once enough of it is watched."
        preview_value = {
            "title": "Welcome",
            "source": "youtube",
            "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "completion_threshold": 90,
        }
