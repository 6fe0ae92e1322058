"""The student's certificates, downloads, and the public verification page."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.dbrouter import reads_from_replica
from core.storage import private_file_response

from .codes import format_code, is_well_formed, normalize_code
from .models import Certificate
from .permissions import certificate_may_download
from .ratelimit import verify_lookup_allowed
from .selectors import certificate_by_code, certificates_for
from .services import certificate_pdf_ensure


@login_required
@require_GET
def certificate_list(request):
    return render(request, "certificates/list.html", {"certificates": certificates_for(user=request.user)})


@login_required
@require_GET
def certificate_download(request, pk: int):
    certificate = get_object_or_404(Certificate.objects.select_related("course"), pk=pk)
    if not certificate_may_download(user=request.user, certificate=certificate):
        raise Http404("No certificate here.")
    certificate = certificate_pdf_ensure(certificate=certificate)
    name = f"certificate-{slugify(certificate.course_title)[:60] or 'course'}-{certificate.code}.pdf"
    return private_file_response(certificate.pdf.name, download_name=name, as_attachment=True)


@require_GET
def verify_form(request):
    """The public "verify a certificate" form; submitting goes to the code's own page."""
    raw = request.GET.get("code")
    if raw is not None:
        code = normalize_code(raw)
        if code and code.isascii() and code.isalnum():
            shown = format_code(code) if is_well_formed(code) else code
            return redirect(reverse("certificates:verify_code", args=[shown]))
        if code:  # a "/" or other character no code has: no such certificate
            return render(
                request,
                "certificates/verify.html",
                {"error": "No certificate has this code: codes are letters and digits."},
                status=404,
            )
        return render(
            request, "certificates/verify.html", {"error": "Type the code printed on the certificate."}, status=400
        )
    return render(request, "certificates/verify.html", {})


@never_cache
@require_GET
@reads_from_replica()
def verify_code(request, code: str):
    decision = verify_lookup_allowed(request)
    if not decision.allowed:
        context = {"retry_after": decision.retry_after, "retry_minutes": -(-decision.retry_after // 60)}
        response = render(request, "certificates/rate_limited.html", context, status=429)
        response["Retry-After"] = str(decision.retry_after)
        return response
    certificate = certificate_by_code(code=code)
    return render(
        request,
        "certificates/verify.html",
        {
            "looked_up": True,
            "typed_code": code,
            "certificate": certificate,
        },
    )
