from __future__ import annotations

from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("pay/<int:pk>/", views.pay, name="pay"),
    path("pay/<int:pk>/card/", views.pay_card, name="pay_card"),
    path("pay/<int:pk>/done/", views.pay_done, name="pay_done"),
    path("payments/stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("payments/receipts/<int:pk>/", views.receipt_pdf, name="receipt_pdf"),
]
