from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from privacy import services
from privacy.forms import DeleteAccountForm


@login_required
def my_data(request):
    return render(request, "privacy/my_data.html")


@login_required
def export(request):
    data = services.export_data(request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="nurturing-touch-my-data.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_account(request.user)
        except services.PrivacyError as error:
            messages.error(request, str(error))
            return redirect("privacy:my_data")
        logout(request)
        messages.success(request, _("Your account is deleted. Thank you for the time you spent with us."))
        return redirect("home")
    return render(request, "privacy/account_delete.html", {"form": form})
