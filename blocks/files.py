"""A PDF or other download (a Wagtail document), previewed in the page when it is a PDF."""

from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock


class DocumentBlock(blocks.StructBlock):
    title = blocks.CharBlock(required=False)
    document = DocumentChooserBlock()
    description = blocks.TextBlock(required=False)
    show_preview = blocks.BooleanBlock(required=False, default=True, help_text="Preview PDFs in the page.")
    allow_download = blocks.BooleanBlock(required=False, default=True)

    def get_preview_value(self):
        # The editor's preview shows the newest uploaded document, if there is one.
        from wagtail.documents import get_document_model

        document = get_document_model().objects.order_by("-pk").first()
        return self.to_python(
            {
                "title": "Course handbook",
                "document": document.pk if document else None,
                "description": "Everything you need for the course, in one PDF.",
                "show_preview": True,
                "allow_download": True,
            }
        )

    class Meta:
        description = "A PDF or other file, previewed in the page and offered for download."
        template = "blocks/document.html"
        icon = "doc-full"
        label = "PDF / download"
