"""Django's cached_db session store, whose one cache read also brings the generations that
nearly every page reads next (core.generations.READ_WITH_SESSION, e.g. the pages'): a signed-in
page pays one round trip for both instead of two (bench/README.md "Lesson page, round four").
Everything else (the database fallback, saving, expiry) is Django's."""

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import DEFAULT_CACHE_ALIAS

from .generations import generation_fetch


class SessionStore(cached_db.SessionStore):
    def load(self):
        if settings.SESSION_CACHE_ALIAS != DEFAULT_CACHE_ALIAS:  # generations live in the default cache
            return super().load()
        try:
            data = generation_fetch([self.cache_key]).get(self.cache_key)
        except Exception:  # as Django's own load: an unusable key resets the session
            data = None
        if data is None:
            session = self._get_session_from_db()
            if session:
                data = self.decode(session.session_data)
                self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=session.expire_date))
            else:
                data = {}
        return data
