from django.conf import settings
from django.db import models
from wagtail.search import index

from core.storage import private_storage


class H5PLibrary(models.Model):
    """One version of an H5P library's code (a `Name-major.minor` folder of a package), known
    by its checksum. Library code runs in every player of every package that uses it, so it
    is trusted only once an admin has approved it; a package plays only when all its library
    folders match approved libraries (name, version and checksum)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending approval"
        APPROVED = "approved", "Approved"

    machine_name = models.CharField(max_length=255)
    major_version = models.PositiveIntegerField()
    minor_version = models.PositiveIntegerField()
    patch_version = models.PositiveIntegerField(default=0)
    checksum = models.CharField(
        max_length=64, help_text="SHA-256 over the folder's files (each file's path and the SHA-256 of its bytes)."
    )
    title = models.CharField(max_length=255, blank=True, help_text="The library's own title (library.json).")
    file_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who uploaded the package that first brought this code.",
    )
    first_package = models.ForeignKey(
        "coursepages.H5PPackage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "H5P library"
        verbose_name_plural = "H5P libraries"
        ordering = ["machine_name", "-major_version", "-minor_version", "-patch_version"]
        constraints = [
            models.UniqueConstraint(
                fields=["machine_name", "major_version", "minor_version", "patch_version", "checksum"],
                name="unique_h5p_library_code",
            )
        ]

    def __str__(self):
        return f"{self.machine_name} {self.version}"

    @property
    def version(self) -> str:
        return f"{self.major_version}.{self.minor_version}.{self.patch_version}"


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
    libraries = models.ManyToManyField(
        H5PLibrary, blank=True, editable=False, related_name="packages", help_text="The library code it brings."
    )

    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]

    class Meta:
        verbose_name = "H5P package"

    def __str__(self):
        # The chooser in the lesson editor shows this: an instructor sees which packages the
        # server cannot grade before picking one.
        return f"{self.title} (completion only)" if self.grading_label == "completion only" else self.title

    def untrusted_libraries(self) -> list[H5PLibrary]:
        """Its libraries an admin has not approved yet (all of them, as far as we know, for a
        package whose libraries were never registered)."""
        libraries = list(self.libraries.all())
        if not libraries and self.content_path:
            return [H5PLibrary(machine_name="(libraries not checked)", major_version=0, minor_version=0)]
        return [library for library in libraries if library.status != H5PLibrary.Status.APPROVED]

    @property
    def libraries_trusted(self) -> bool:
        return not self.untrusted_libraries()

    @property
    def grading_label(self) -> str:
        """ "graded by the server", "completion only", or "" before the package is checked
        (learners.interactive.grading keeps the verdict in `metadata["grading"]`)."""
        grading = (self.metadata or {}).get("grading")
        if not isinstance(grading, dict) or "graded" not in grading:
            return ""
        return "graded by the server" if grading["graded"] else "completion only"
