"""Callouts and images."""

from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock


class CalloutBlock(blocks.StructBlock):
    style = blocks.ChoiceBlock(
        choices=[("info", "Information"), ("tip", "Tip"), ("warning", "Warning")], default="info"
    )
    title = blocks.CharBlock(required=False)
    body = blocks.RichTextBlock(features=["bold", "italic", "link", "ul", "ol", "code"])

    class Meta:
        template = "blocks/callout.html"
        icon = "warning"
        label = "Callout"
        description = "An aside that stands out: information, a tip or a warning."
        preview_value = {"style": "tip", "title": "Tip", "body": "<p>Short, useful asides.</p>"}


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(required=False, help_text="Describe the image for screen readers.")
    caption = blocks.CharBlock(required=False)

    def get_preview_value(self):
        from wagtail.images import get_image_model

        image = get_image_model().objects.order_by("-pk").first()
        return self.to_python(
            {
                "image": image.pk if image else None,
                "alt_text": "An example image",
                "caption": "A caption explains what the picture shows.",
            }
        )

    class Meta:
        description = "A picture with a text alternative and an optional caption."
        template = "blocks/image.html"
        icon = "image"
        label = "Image"
