from django.conf import settings
from django.db import models
from wagtail.search import index

from core.storage import private_storage


class H5PPackage(index.Indexed, models.Model):
    """An uploaded .h5p package, validated and extracted to storage for the standalone player."""

    title = models.CharField(max_length=255)
    file = models.FileField(upload_to="h5p/packages/", storage=private_storage)
    main_library = models.CharField(max_length=255, blank=True, editable=False)
    content_path = models.CharField(
        max_length=255, blank=True, editable=False, help_text="Storage prefix of the extracted package."
    )
    metadata = models.JSONField(default=dict, blank=True, editable=False)
    file_size = models.PositiveBigIntegerField(default=0, editable=False, help_text="Size of the .h5p file in bytes.")
    extracted_size = models.PositiveBigIntegerField(
        default=0, editable=False, help_text="Total size of the extracted files in bytes."
    )
    file_count = models.PositiveIntegerField(default=0, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]

    class Meta:
        verbose_name = "H5P package"

    def __str__(self):
        # The chooser in the lesson editor shows this: an instructor sees which packages the
        # server cannot grade before picking one.
        return f"{self.title} (completion only)" if self.grading_label == "completion only" else self.title

    @property
    def grading_label(self) -> str:
        """ "graded by the server", "completion only", or "" before the package is checked
        (learners.interactive.grading keeps the verdict in `metadata["grading"]`)."""
        grading = (self.metadata or {}).get("grading")
        if not isinstance(grading, dict) or "graded" not in grading:
            return ""
        return "graded by the server" if grading["graded"] else "completion only"
