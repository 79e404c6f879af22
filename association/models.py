"""No tables: the association dashboard reads every other app. The model below only carries the
permission that opens the dashboard, so it can be granted through groups like any other."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssociationDashboard(models.Model):
    """Holds the "view the association dashboard" permission; there is no table behind it."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_dashboard", _("Can see the association dashboard"))]
        verbose_name = _("association dashboard")
        verbose_name_plural = _("association dashboard")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
