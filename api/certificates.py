"""GET /api/v1/certificates/ (own certificates) and GET /api/v1/certificates/verify/{code}/
(anyone), per docs/api.md. Signed-in users by JWT or session (api.auth.user_auth), the
list paginated as {count, next, previous, results}, errors as {"detail", "code"}."""

from datetime import date, datetime

from django.http import JsonResponse
from ninja import Router, Schema

from api.auth import user_auth
from certificates.pdf import verification_url
from certificates.ratelimit import verify_lookup_allowed
from certificates.selectors import certificate_by_code, certificates_for
from core.dbrouter import reads_from_replica

from .errors import ErrorOut
from .pagination import PageNumber, PageSize, page_of

router = Router(tags=["certificates"])

DEFAULT_PAGE_SIZE = 20


class CertificateOut(Schema):
    id: int
    code: str
    course_id: int | None
    course_title: str
    student_name: str
    hours: float
    completed_on: date
    issued_at: datetime
    revoked: bool
    revoked_at: datetime | None
    pdf_url: str | None
    verification_url: str


class CertificatePage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[CertificateOut]


class VerificationOut(Schema):
    valid: bool
    revoked: bool
    student_name: str | None = None
    course_title: str | None = None
    issued_at: datetime | None = None
    completed_on: date | None = None
    code: str | None = None


def _error(status: int, detail: str, code: str, **headers) -> JsonResponse:
    response = JsonResponse({"detail": detail, "code": code}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


@router.get("/", auth=user_auth, response={200: CertificatePage}, summary="Own certificates with PDF links")
def certificate_list(request, page: PageNumber = 1, page_size: PageSize = DEFAULT_PAGE_SIZE):
    def row(c):
        return {
            "id": c.pk,
            "code": c.display_code,
            "course_id": c.course_id,
            "course_title": c.course_title,
            "student_name": c.student_name,
            "hours": float(c.hours),
            "completed_on": c.completed_on,
            "issued_at": c.issued_at,
            "revoked": c.is_revoked,
            "revoked_at": c.revoked_at,
            "pdf_url": None if c.is_revoked else request.build_absolute_uri(c.get_download_url()),
            "verification_url": verification_url(c.code),
        }

    return page_of(request, certificates_for(user=request.user), page=page, page_size=page_size, serialize=row)


@router.get(
    "/verify/{code}/",
    auth=None,
    response={200: VerificationOut, 429: ErrorOut},
    summary="Check a certificate code (rate-limited per IP)",
)
@reads_from_replica()
def certificate_verify(request, code: str):
    decision = verify_lookup_allowed(request)
    if not decision.allowed:
        return _error(
            429,
            f"Too many lookups; try again in {decision.retry_after} seconds.",
            "rate_limited",
            Retry_After=str(decision.retry_after),
        )
    certificate = certificate_by_code(code=code)
    if certificate is None:
        return {"valid": False, "revoked": False}
    return {
        "valid": not certificate.is_revoked,
        "revoked": certificate.is_revoked,
        "student_name": certificate.student_name,
        "course_title": certificate.course_title,
        "issued_at": certificate.issued_at,
        "completed_on": certificate.completed_on,
        "code": certificate.display_code,
    }
