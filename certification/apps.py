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
