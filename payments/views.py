"""The pay page, its card endpoint, the return from it, Stripe's webhook, and receipts to download.

The page collects the card with Stripe.js (the Payment Element; with the fake server, localstripe's card
stand-in) and hands our server a payment method id; our server confirms the PaymentIntent and asks
Stripe how it ended. What the browser says is never taken as payment.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST, require_safe

from payments import gateway, selectors, services
from payments.models import Payment
from payments.purposes import purpose_of
from payments.services import PaymentError, PaymentUnavailable

STRIPE_JS_ORIGIN = "https://js.stripe.com"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _admit_stripe(response: HttpResponse) -> HttpResponse:
    """Let this page load Stripe.js and talk to Stripe: the only pages whose CSP names another origin."""
    if settings.PAYMENTS_ENABLED:
        stripe_origins = sorted({_origin(settings.STRIPE_JS_URL), _origin(settings.STRIPE_API_BASE)})
        frames = list(stripe_origins)
        if _origin(settings.STRIPE_JS_URL) == STRIPE_JS_ORIGIN:
            # Stripe.js runs 3-D Secure in a frame of its own from this origin (Stripe's CSP guidance).
            frames.append("https://hooks.stripe.com")
        response._csp_update = {
            "script-src": stripe_origins,
            "connect-src": stripe_origins,
            "frame-src": frames,
        }
    return response


def _own_payment(request, pk: int) -> Payment:
    if not settings.PAYMENTS_ENABLED:
        raise Http404
    return get_object_or_404(Payment, pk=pk, payer=request.user, method=Payment.Method.CARD)


def _page_context(request, payment: Payment) -> dict:
    return {
        "payment": payment,
        "test_mode": settings.PAYMENTS_TEST_MODE,
        # The hold's end in the payer's own time zone, named.
        "zone": getattr(request.user, "time_zone", "") or settings.TIME_ZONE,
    }


@require_GET
@login_required
def pay(request, pk: int):
    """The pay page: what is being paid for, until when the place is held, and the card form."""
    payment = _own_payment(request, pk)
    purpose = purpose_of(payment)
    if payment.status == Payment.Status.SUCCEEDED:
        messages.info(request, _("This is paid already. Thank you!"))
        return redirect(purpose.next_url(payment))
    context = {
        **_page_context(request, payment),
        "payable": services.is_payable(payment, now=timezone.now()),
        "back_url": purpose.back_url(payment),
        "card_url": reverse("payments:pay_card", kwargs={"pk": payment.pk}),
        "done_url": reverse("payments:pay_done", kwargs={"pk": payment.pk}),
        "stripe_js_url": settings.STRIPE_JS_URL,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
    }
    return _admit_stripe(render(request, "payments/pay.html", context))


@require_POST
@login_required
def pay_card(request, pk: int):
    """The pay page's script posts the card's payment method id here (JSON, with the CSRF header); the
    answer says how it went: succeeded, requires_action, declined, unavailable or expired."""
    payment = _own_payment(request, pk)
    try:
        payment_method = str(json.loads(request.body or b"{}").get("payment_method", ""))
    except (ValueError, AttributeError):
        payment_method = ""
    done_url = reverse("payments:pay_done", kwargs={"pk": payment.pk})
    try:
        result = services.submit_card(payment, payer=request.user, payment_method=payment_method)
    except PaymentUnavailable as error:
        return JsonResponse({"status": "unavailable", "message": str(error)}, status=503)
    except PaymentError as error:
        payment.refresh_from_db()
        ended = payment.status != Payment.Status.SUCCEEDED and not services.is_payable(payment)
        status = "expired" if ended else "refused"
        return JsonResponse({"status": status, "message": str(error), "next": done_url}, status=409)
    return JsonResponse(
        {
            "status": result.status,
            "message": result.message,
            "client_secret": result.client_secret,
            "next": done_url,
        }
    )


@require_GET
@login_required
def pay_done(request, pk: int):
    """Where the pay page goes once Stripe.js is done: asks Stripe how the payment stands (never the
    browser), records it, and sends the payer on."""
    payment = _own_payment(request, pk)
    purpose = purpose_of(payment)
    outcome = services.refresh_payment(payment)
    payment.refresh_from_db()
    if payment.status == Payment.Status.SUCCEEDED:
        messages.success(request, _("Thank you: your payment went through. We have emailed you the details."))
        return redirect(purpose.next_url(payment))
    if outcome == "declined" and services.is_payable(payment):
        messages.error(request, payment.last_error)
        return redirect("payments:pay", pk=payment.pk)
    return _admit_stripe(
        render(
            request,
            "payments/pay_done.html",
            {
                **_page_context(request, payment),
                "outcome": outcome,
                "payable": services.is_payable(payment),
                "back_url": purpose.back_url(payment),
                "next_url": purpose.next_url(payment),
            },
        )
    )


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's events, verified with the endpoint secret; anything unsigned is refused with 400. A 503
    (the database stayed locked) makes Stripe send the event again later."""
    if not settings.PAYMENTS_ENABLED:
        raise Http404
    try:
        event = gateway.parse_event(request.body, request.headers.get("Stripe-Signature", ""))
    except ValueError:
        return HttpResponse(status=400)
    try:
        services.handle_event(event)
    except PaymentError:
        return HttpResponse(status=503)
    return HttpResponse(status=200)


@require_safe
@login_required
def receipt_pdf(request, pk: int):
    """A receipt or credit note as PDF, for the payer and for staff holding payments.view_receipt; anyone
    else gets a 404, so nobody learns that another person's exists. A GET writes nothing: the copy an
    email kept is served, or the document is rendered afresh from what it stored."""
    receipt = get_object_or_404(selectors.receipts_visible_to(request.user), pk=pk)
    response = HttpResponse(services.receipt_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=receipt.filename
    )
    # One person's document: no shared cache may keep it, nor a browser on a shared computer.
    add_never_cache_headers(response)
    return response
