from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassesConfig(AppConfig):
    name = "classes"
    verbose_name = _("Classes")

    def ready(self) -> None:
        # payments calls classes back when a booking's payment goes through (payments.purposes).
        from classes.services.paid_bookings import register_booking_payments

        register_booking_payments()
