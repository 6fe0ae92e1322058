"""Wagtail documents (lesson PDFs, uploaded videos, captions) now live in the private storage
(core.storage.MediaStorage routes the "documents/" folder there): move the files uploaded
before into it. Safe to run again: a file already in the private storage is left alone."""

from django.db import migrations


def move_documents(apps, schema_editor):
    from django.core.files.storage import default_storage, storages

    public = getattr(default_storage, "public", None)
    if public is None:  # the default storage is not the routing one: nothing to move
        return
    private = storages["private"]
    Document = apps.get_model("wagtaildocs", "Document")
    for name in Document.objects.values_list("file", flat=True).iterator():
        if not name or private.exists(name) or not public.exists(name):
            continue
        with public.open(name, "rb") as handle:
            private.save(name, handle)
        public.delete(name)


class Migration(migrations.Migration):
    dependencies = [
        ("learners", "0003_review_moderation"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(move_documents, migrations.RunPython.noop)]
