"""What trainees and holders pay online: the training fee from the progress page, the renewal fee from
the certificate page. Each opens (or finds) a card payment through a service and sends the payer to the
pay page (payments:pay); what the payment's success does is in certification.services.fees and
certification.services.renewals."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certification import services
from certification.fees import renewal_fee_minor
from certification.models import Certificate, Enrollment
from certification.selectors import current_certificate
from certification.services import CertificationError


def _own_enrollment(request, pk: int) -> Enrollment:
    """The signed-in trainee's own enrollment; anyone else's is a 404."""
    return get_object_or_404(Enrollment, pk=pk, trainee=request.user)


def _own_certificate(request) -> Certificate:
    """The signed-in holder's certificate: the address names none, so there is none of someone else's."""
    certificate = current_certificate(request.user)
    if certificate is None:
        raise Http404
    return certificate


@require_POST
@login_required
def pay_training_fee(request, pk: int):
    enrollment = _own_enrollment(request, pk)
    try:
        payment = services.open_training_fee_payment(enrollment, trainee=request.user)
    except CertificationError as error:
        messages.error(request, str(error))
        return redirect("certification:progress")
    return redirect("payments:pay", pk=payment.pk)


@require_POST
@login_required
def renew_certificate(request):
    """Renew the signed-in holder's certificate: through the pay page, or at once when renewing is free."""
    certificate = _own_certificate(request)
    try:
        if renewal_fee_minor() > 0:
            payment = services.open_renewal_payment(certificate, holder=request.user)
            return redirect("payments:pay", pk=payment.pk)
        renewed = services.renew_certificate_without_fee(certificate, holder=request.user)
    except CertificationError as error:
        messages.error(request, str(error))
        return redirect("certification:my_certificate")
    until = date_format(timezone.localtime(renewed.valid_until), "DATE_FORMAT")
    messages.success(
        request, _("Your certificate is renewed until %(date)s; we are emailing it to you.") % {"date": until}
    )
    return redirect("certification:my_certificate")
