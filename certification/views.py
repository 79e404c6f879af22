"""Trainings and applications, the trainee's checklist, public verification, and the holder's certificate."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.addresses import rate_limit_address
from accounts.selectors import has_verified_email
from certification import services
from certification.badges import linkedin_add_url
from certification.credentials import baking, keys, verification
from certification.credentials.jws import MEDIA_TYPE as VC_JWT
from certification.credentials.jws import decode_ours
from certification.emails import ISSUING_BODY, verification_url
from certification.fees import renewal_offer
from certification.forms import ApplicationForm, CertificateLookupForm, CredentialCheckForm
from certification.models import CERTIFICATE_TITLE, Certificate, CertificateStatus, Enrollment, TrainingCourse
from certification.pdf import render_certificate_pdf
from certification.selectors import (
    certificate_for_token,
    certificate_history,
    current_certificate,
    enrolled_training_ids,
    find_certificate,
    module_labels,
    trainee_progress,
    upcoming_trainings,
)
from certification.services import CertificationError

# Lookups by number and surname per client address and minute, on the shared cache:
# enough for a person with a typo, too few to walk through numbers and common surnames.
LOOKUPS_PER_MINUTE = 10
# Credential checks per client address and minute: a person checks a handful; signatures cost CPU.
CHECKS_PER_MINUTE = 20


def _path_numbers() -> dict:
    """The certification rules as the pages state them: settings, not constants (docs/domain.md)."""
    return {
        "families": settings.CERTIFICATION_PRACTICUM_FAMILIES,
        "pass_mark": settings.CERTIFICATION_PASS_MARK,
        "deadline_months": settings.CERTIFICATION_DEADLINE_MONTHS,
        "validity_months": settings.CERTIFICATION_VALIDITY_MONTHS,
        "attendance": settings.CERTIFICATION_MIN_ATTENDANCE_PERCENT,
    }


@dataclass(frozen=True)
class TrainingCard:
    training: TrainingCourse
    places_left: int
    modules: list[str]
    applied: bool


def _card(training: TrainingCourse, applied: set[int]) -> TrainingCard:
    return TrainingCard(
        training=training,
        places_left=max(training.capacity - training.taken, 0),
        modules=module_labels(training),
        applied=training.pk in applied,
    )


def training_list(request):
    applied = enrolled_training_ids(request.user)
    cards = [_card(training, applied) for training in upcoming_trainings()]
    return render(
        request,
        "certification/training_list.html",
        {"cards": cards, "path": _path_numbers(), "has_enrollments": bool(applied)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def training_apply(request, pk: int):
    training = get_object_or_404(upcoming_trainings(), pk=pk)
    if Enrollment.objects.filter(trainee=request.user, training=training).exists():
        messages.info(request, _("You have already applied for this training; here is where you stand."))
        return redirect("certification:progress")
    verified = has_verified_email(request.user)
    form = ApplicationForm(request.POST or None)
    if request.method == "POST":
        if not verified:
            messages.error(request, _("Please confirm your email address before applying."))
        elif form.is_valid():
            try:
                services.apply_for_training(
                    training,
                    trainee=request.user,
                    background=form.background_text(),
                    experience=form.cleaned_data["experience"],
                    motivation=form.cleaned_data["motivation"],
                )
            except CertificationError as error:
                messages.error(request, str(error))
                return redirect("certification:training_list")
            messages.success(
                request,
                _("Thank you! Your application for “%(training)s” is received; we have emailed you a copy.")
                % {"training": training.title},
            )
            return redirect("certification:progress")
    return render(
        request,
        "certification/training_apply.html",
        {"card": _card(training, set()), "form": form, "verified": verified},
    )


@login_required
def progress(request):
    return render(
        request,
        "certification/progress.html",
        {"progresses": trainee_progress(request.user), "path": _path_numbers()},
    )


def _not_found(request):
    """One answer for a made-up token and a number/surname that do not match: it reveals nothing else."""
    return render(request, "certification/certificate_not_found.html", status=404)


def _lookup_allowed(
    request, *, bucket: str = "certificate-lookup", per_minute: int = LOOKUPS_PER_MINUTE
) -> bool:
    """A fixed one-minute window per client address, counted in the shared cache.

    The address is the one allauth's limits count (accounts.addresses): behind a proxy REMOTE_ADDR would put
    every visitor in one bucket, and a forged X-Forwarded-For must not pick another.
    """
    window = int(time.time() // 60)
    key = f"{bucket}:{rate_limit_address(request)}:{window}"
    cache.add(key, 0, timeout=90)
    try:
        count = cache.incr(key)
    except ValueError:
        # The key expired between add and incr: this is the first lookup of a new window.
        cache.set(key, 1, timeout=90)
        count = 1
    return count <= per_minute


@never_cache
@require_http_methods(["GET", "POST"])
def verify_lookup(request):
    form = CertificateLookupForm(request.POST or None)
    if request.method == "POST":
        if not _lookup_allowed(request):
            return render(request, "certification/certificate_lookup_limited.html", status=429)
        if form.is_valid():
            certificate = find_certificate(form.cleaned_data["number"], form.cleaned_data["surname"])
            if certificate is None:
                return _not_found(request)
            return redirect(certificate)
    return render(request, "certification/certificate_lookup.html", {"form": form})


def _verification_context(certificate: Certificate) -> dict:
    status = certificate.status
    return {
        "certificate": certificate,
        "status": status,
        "title": CERTIFICATE_TITLE,
        "issuing_body": ISSUING_BODY,
        "is_valid": status == CertificateStatus.VALID,
        "is_expired": status == CertificateStatus.EXPIRED,
        "is_revoked": status == CertificateStatus.REVOKED,
        "verification_url": verification_url(certificate),
        "checked_at": timezone.now(),
    }


@never_cache
@require_GET
def verify(request, token: str):
    certificate = certificate_for_token(token)
    if certificate is None:
        return _not_found(request)
    return render(request, "certification/certificate_verify.html", _verification_context(certificate))


def _open_stored_pdf(certificate: Certificate):
    """The stored PDF, open for reading, if it shows the current revision; None when it must be rendered."""
    if not certificate.pdf_is_current:
        return None
    try:
        return certificate.pdf.open("rb")
    except OSError:
        # A file missing from storage is rendered again rather than failing the holder's download.
        return None


def certificate_pdf_response(certificate: Certificate) -> HttpResponse:
    """The PDF of a certificate for its holder or for staff, never for a revoked one.

    The stored file when it shows the current revision; otherwise (not emailed yet, renewed or corrected
    since, reinstated) a fresh render, which is not stored: storing is the email task's job.
    """
    if certificate.status == CertificateStatus.REVOKED:
        raise Http404
    filename = f"{certificate.number}.pdf"
    stored = _open_stored_pdf(certificate)
    if stored is not None:
        response = FileResponse(stored, content_type="application/pdf", filename=filename)
    else:
        response = HttpResponse(render_certificate_pdf(certificate), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename)
    # One person's document: no shared cache may keep it, nor a browser on a shared computer.
    add_never_cache_headers(response)
    return response


@login_required
def my_certificate(request):
    certificate = current_certificate(request.user)
    if certificate is None:
        return render(
            request,
            "certification/certificate_none.html",
            {"has_enrollments": Enrollment.objects.filter(trainee=request.user).exists()},
        )
    return render(
        request,
        "certification/my_certificate.html",
        {
            **_verification_context(certificate),
            "history": certificate_history(certificate),
            "linkedin_url": linkedin_add_url(certificate),
            "renewal": renewal_offer(certificate),
        },
    )


@login_required
@require_GET
def my_certificate_pdf(request):
    """The signed-in holder's own certificate PDF: the address names no certificate, so there is none
    of someone else's to ask for."""
    certificate = current_certificate(request.user)
    if certificate is None:
        raise Http404
    return certificate_pdf_response(certificate)


# Signed credentials ------------------------------------------------------------------------------------
# What verifiers, wallets and browsers on other sites fetch: readable from any origin (CORS), as the
# DID document, the keys and the status lists must be for a verifier running in a browser.


def _public(response: HttpResponse, *, max_age: int | None = None) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    if max_age is None:
        add_never_cache_headers(response)
    else:
        response["Cache-Control"] = f"public, max-age={max_age}"
    return response


def _jwt_response(token: str, *, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(token, content_type=VC_JWT)
    if filename:
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _json_response(
    data: dict, *, content_type="application/json", filename: str | None = None
) -> HttpResponse:
    response = JsonResponse(
        data, content_type=content_type, json_dumps_params={"indent": 2, "ensure_ascii": False}
    )
    if filename:
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _baked_png(certificate: Certificate, token: str) -> bytes:
    with translation.override(certificate.language):
        image = baking.badge_image(
            title=str(CERTIFICATE_TITLE),
            holder=certificate.name_on_certificate,
            issuer=ISSUING_BODY,
            valid_until=_("Valid until %(date)s")
            % {"date": date_format(certificate.valid_until, "DATE_FORMAT")},
        )
    return baking.bake(image, token)


def _png_response(certificate: Certificate, token: str, *, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(_baked_png(certificate, token), content_type="image/png")
    if filename:
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _certificate_or_404(token: str) -> Certificate:
    certificate = certificate_for_token(token)
    if certificate is None:
        raise Http404
    return certificate


@require_GET
def credential_jwt(request, token: str):
    """The certificate's signed credential (VC-JWT), for anyone who has its verification URL."""
    certificate = _certificate_or_404(token)
    return _public(_jwt_response(services.current_credential(certificate).jwt))


@require_GET
def credential_json(request, token: str):
    """The same credential decoded: what credential.jwt says, readable; the signature is in the JWT."""
    certificate = _certificate_or_404(token)
    payload = decode_ours(services.current_credential(certificate).jwt)
    return _public(_json_response(payload, content_type="application/ld+json"))


@require_GET
def credential_png(request, token: str):
    certificate = _certificate_or_404(token)
    return _public(_png_response(certificate, services.current_credential(certificate).jwt))


def _own_certificate(request) -> Certificate:
    """The signed-in holder's own certificate: the address names none, so there is none of someone else's
    to ask for."""
    certificate = current_certificate(request.user)
    if certificate is None:
        raise Http404
    return certificate


@login_required
@require_GET
def my_credential_jwt(request):
    certificate = _own_certificate(request)
    token = services.current_credential(certificate).jwt
    response = _jwt_response(token, filename=f"{certificate.number}-credential.jwt")
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
def my_credential_json(request):
    certificate = _own_certificate(request)
    payload = decode_ours(services.current_credential(certificate).jwt)
    response = _json_response(
        payload, content_type="application/ld+json", filename=f"{certificate.number}-credential.json"
    )
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
def my_credential_png(request):
    certificate = _own_certificate(request)
    token = services.current_credential(certificate).jwt
    response = _png_response(certificate, token, filename=f"{certificate.number}-badge.png")
    add_never_cache_headers(response)
    return response


@require_GET
def did_document(request):
    """did:web resolution: the issuer's DID document, every published key (current and retired)."""
    return _public(_json_response(keys.did_document(), content_type="application/did+json"), max_age=300)


@require_GET
def jwks(request):
    return _public(_json_response(keys.jwks(), content_type="application/jwk-set+json"), max_age=300)


@require_GET
def status_list(request, number: int):
    """A revocation list as a signed BitstringStatusListCredential, computed from the certificates now:
    a revocation shows on the next fetch, so no cache may keep it."""
    token = services.signed_status_list(number)
    if token is None:
        raise Http404
    return _public(_jwt_response(token))


@never_cache
@require_http_methods(["GET", "POST"])
def check_credential(request):
    """Paste a credential or upload a baked badge: genuine or not, current or not, whose, in plain words."""
    form = CredentialCheckForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST":
        if not _lookup_allowed(request, bucket="credential-check", per_minute=CHECKS_PER_MINUTE):
            return render(request, "certification/certificate_lookup_limited.html", status=429)
        if form.is_valid():
            image = form.cleaned_data.get("image")
            if image:
                result = verification.check_png(image.read())
            else:
                result = verification.check_text(form.cleaned_data["credential"])
            # A fresh form: the result stands on its own and the next check starts empty.
            form = CredentialCheckForm()
        else:
            status = 400
    return render(
        request,
        "certification/credential_check.html",
        {"form": form, "result": result},
        status=status,
    )
