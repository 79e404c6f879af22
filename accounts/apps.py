from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("People")

    def ready(self) -> None:
        from accounts.roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, dispatch_uid="accounts.ensure_role_groups")
