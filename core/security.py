"""Content-Security-Policy: the site's pages may load scripts, styles, fonts and media only
from this site (vendor players are served from static/vendor), frame only the video hosts
and the AI-tool origins the admins allow, and post forms only here and to PayFast.
The Wagtail admin keeps Wagtail's own defaults (it needs inline scripts)."""

from django.conf import settings


def media_sources() -> list[str]:
    sources = []
    endpoint = getattr(settings, "AWS_S3_ENDPOINT_URL", None)
    if getattr(settings, "AWS_STORAGE_BUCKET_NAME", ""):
        sources.append(endpoint or f"https://{settings.AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com")
    if getattr(settings, "MEDIA_CDN_ORIGIN", ""):
        sources.append(settings.MEDIA_CDN_ORIGIN)
    return sources


def build_policy() -> str:
    media = media_sources()
    streams = list(getattr(settings, "VIDEO_STREAM_ORIGINS", []))
    frames = [
        "'self'",
        "https://www.youtube-nocookie.com",
        "https://www.youtube.com",
        "https://player.vimeo.com",
        *settings.AI_TOOL_ALLOWED_ORIGINS,
    ]
    directives = {
        "default-src": ["'self'"],
        # H5P content types build functions from strings; nothing outside this site may run.
        "script-src": ["'self'", "'unsafe-eval'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", "https://i.ytimg.com", "https://i.vimeocdn.com", *media],
        "media-src": ["'self'", "blob:", *media, *streams],
        "font-src": ["'self'", "data:"],
        "connect-src": [*(["'self'", "ws:", "wss:"] if settings.DEBUG else ["'self'", "wss:"]), *streams],
        "frame-src": frames,
        "form-action": [
            "'self'",
            "https://www.payfast.co.za",
            "https://sandbox.payfast.co.za",
            "https://api.razorpay.com",  # Razorpay's hosted Checkout
        ],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = build_policy()
        self.header = "Content-Security-Policy-Report-Only" if settings.CSP_REPORT_ONLY else "Content-Security-Policy"

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CSP_ENABLED and not request.path.startswith("/admin/") and self.header not in response:
            # A view that allowed same-origin framing (X-Frame-Options already SAMEORIGIN) may
            # be framed by this site; everything else by nobody.
            ancestors = "'self'" if response.get("X-Frame-Options", "").upper() == "SAMEORIGIN" else "'none'"
            response[self.header] = f"{self.policy}; frame-ancestors {ancestors}"
        response.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
