"""What every app's Django admin shares; config is beneath every app, so each may import it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect


class ReadOnlyAdminMixin:
    """Rows nobody adds, edits or deletes by hand: services write them (on the site, by tasks, or through
    admin actions that call them)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ServiceSaveAdminMixin:
    """A change form whose save_model calls a service that may refuse (a rule, a busy row): call
    refuse_save() with the service's message, and the page shows it and stays, instead of logging the
    change and saying "changed successfully"."""

    def refuse_save(self, request, message: str) -> None:
        request._admin_save_refused = True
        self.message_user(request, message, messages.ERROR)

    def log_change(self, request, obj, message):
        if getattr(request, "_admin_save_refused", False):
            return None
        return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        if getattr(request, "_admin_save_refused", False):
            return HttpResponseRedirect(request.get_full_path())
        return super().response_change(request, obj)
