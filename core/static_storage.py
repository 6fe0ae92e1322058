"""Static files under production settings: whitenoise's compressed manifest storage, with each
file's hashed URL worked out once per process. The manifest is read when the storage starts and
never changes while the process runs (a deploy starts new processes), so the URL of a name is
fixed; working it out again (manifest lookup, hashing of the name, URL joining) cost every page
about 0.1 ms per `{% static %}` (bench/README.md "Lesson page, round four")."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CachedURLManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force=True)
        try:
            return self._urls[name]
        except KeyError:
            url = super().url(name)  # a name missing from the manifest raises, and is not kept
            self._urls[name] = url
            return url
