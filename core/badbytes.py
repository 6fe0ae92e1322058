"""Bad bytes never reach a query: a NUL character in the path, a query-string or form field,
or a JSON string answers 400 with a clear message ({"detail","code"} under /api/), before any
view runs. PostgreSQL refuses NUL in text, which would otherwise surface as a 500."""

import json

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError

MESSAGE = "The request contains a NUL character (\\x00), which no field accepts."
JSON_TYPES = ("application/json", "application/ld+json")


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def request_has_nul(request) -> bool:
    if "\x00" in request.path_info:
        return True
    if any(_has_nul(key) or _has_nul(request.GET.getlist(key)) for key in request.GET):
        return True
    content_type = request.content_type or ""
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if content_type.startswith(JSON_TYPES) or content_type.endswith("+json"):
            try:
                data = json.loads(request.body or b"null")
            except (ValueError, UnicodeDecodeError):
                return b"\x00" in (request.body or b"")
            return _has_nul(data)
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return _form_has_nul(request)
    return False


def _form_has_nul(request) -> bool:
    """Form fields with a NUL. A multipart body small enough to keep in memory is read first,
    so a view that verifies a signature over the raw body (a gateway's webhook) can still read
    it after the fields were parsed; a body the parser refuses is left to the view."""
    if request.content_type == "multipart/form-data":
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is None or int(request.META.get("CONTENT_LENGTH") or 0) <= limit:
            request.body  # noqa: B018 — cached on the request; the parser then reads the copy
    try:
        fields = request.POST
    except MultiPartParserError:
        return False
    return any(_has_nul(key) or _has_nul(fields.getlist(key)) for key in fields)


class RejectNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request_has_nul(request):
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": MESSAGE, "code": "invalid"}, status=400)
            raise BadRequest(MESSAGE)
        return self.get_response(request)
