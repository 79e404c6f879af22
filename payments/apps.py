from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # Registers the Celery tasks in every process: services queue them by name (a services module never
        # imports its tasks module, which imports it: no cycle).
        from payments import tasks  # noqa: F401
