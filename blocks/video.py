"""Video: YouTube, Vimeo, an uploaded file or an HLS stream, with captions, its length as the
server knows it, and a completion threshold (percent of that length actually watched)."""

import logging
import re
import shutil
import struct
import subprocess

from django.core.exceptions import ValidationError
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock

YOUTUBE_ID = re.compile(r"(?:youtube\.com/(?:watch\?(?:.*&)?v=|embed/|shorts/)|youtu\.be/)([A-Za-z0-9_-]{11})")
VIMEO_ID = re.compile(r"vimeo\.com/(?:video/)?(\d+)")
MAX_VIDEO_SECONDS = 24 * 3600

logger = logging.getLogger(__name__)


def youtube_id(url: str) -> str | None:
    match = YOUTUBE_ID.search(url or "")
    return match.group(1) if match else None


def vimeo_id(url: str) -> str | None:
    match = VIMEO_ID.search(url or "")
    return match.group(1) if match else None


def _mp4_duration(handle) -> float | None:
    """An MP4's length from its movie header (mvhd), read with mutagen's atom parser; works
    for video-only files, where mutagen's own `info.length` (audio track) says 0."""
    from mutagen.mp4 import Atoms

    handle.seek(0)
    header = Atoms(handle).path(b"moov", b"mvhd")[-1]
    ok, data = header.read(handle)
    if not ok or not data:
        return None
    if data[0] == 1:
        timescale, duration = struct.unpack(">IQ", data[20:32])
    else:
        timescale, duration = struct.unpack(">II", data[12:20])
    return duration / timescale if timescale else None


def _ffprobe_duration(path: str) -> float | None:
    if not shutil.which("ffprobe"):
        return None
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    try:
        return float(result.stdout.strip())
    except ValueError:
        return None


def media_duration(document) -> float | None:
    """The length in seconds of an uploaded video (a Wagtail document): MP4/M4V/MOV through
    mutagen, anything else through ffprobe when it is installed; None when unknown."""
    try:
        name = document.file.name
        if name.lower().endswith((".mp4", ".m4v", ".mov")):
            with document.file.open("rb") as handle:
                seconds = _mp4_duration(handle)
        else:
            try:
                path = document.file.path  # local storage only
            except NotImplementedError:
                return None
            seconds = _ffprobe_duration(path)
    except Exception:  # an unreadable or unsupported file: the editor enters the length
        logger.info("could not read the length of video document %s", getattr(document, "pk", None), exc_info=True)
        return None
    return round(seconds, 2) if seconds and 0 < seconds <= MAX_VIDEO_SECONDS else None


def server_duration(value) -> float | None:
    """The video's length as the server knows it (entered in the editor, or read from the
    uploaded file when the block was saved). The player's own figure is never used."""
    seconds = value.get("duration")
    return float(seconds) if seconds else None


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
    duration = blocks.IntegerBlock(
        required=False,
        min_value=1,
        max_value=MAX_VIDEO_SECONDS,
        help_text="Length in seconds (completion is a share of it). Read from an uploaded MP4 when left "
        "empty; enter it for YouTube, Vimeo and HLS.",
    )
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
        if not errors and not value.get("duration"):
            seconds = media_duration(value["file"]) if source == "file" else None
            if seconds:
                value["duration"] = max(1, round(seconds))
            else:
                errors["duration"] = ValidationError(
                    "Enter the video's length in seconds: the site completes the video on its own count."
                )
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
            "duration": 213,
            "completion_threshold": 90,
        }
