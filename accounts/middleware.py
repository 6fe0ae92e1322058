"""Every time a signed-in person reads is in their own timezone (their profile's, accounts.User.timezone):
Django's current timezone is theirs for the whole request, so `{{ value|date }}`, `localtime` and
forms show and read times as they live them. Visitors get the site's TIME_ZONE. (The Wagtail
admin sets its own from the Wagtail profile, which sign-in keeps equal to this one.)"""

from django.utils import timezone


class UserTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            with timezone.override(user.tzinfo):
                return self.get_response(request)
        return self.get_response(request)
