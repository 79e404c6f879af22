from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = _("Certification")

    def ready(self) -> None:
        # Registers the Celery tasks in every process: services queue them by name (a services module never
        # imports its tasks module, which imports it: no cycle).
        from certification import checks, tasks  # noqa: F401

        # payments calls certification back when a training fee or a renewal is paid (payments.purposes).
        from certification.services.fees import register_training_fee_payments
        from certification.services.renewals import register_renewal_payments

        register_training_fee_payments()
        register_renewal_payments()
