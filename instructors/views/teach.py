"""The instructor's home at /teach/ and their profile."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from instructors import selectors
from instructors.forms import ProfileForm
from instructors.models import InstructorProfile
from instructors.services import ProfileError, save_profile
from instructors.views.access import teaching_required


@require_safe
@teaching_required
def dashboard(request):
    profile = InstructorProfile.objects.filter(user=request.user).first()
    return render(
        request,
        "instructors/dashboard.html",
        {
            "board": selectors.dashboard(request.user),
            "profile": profile,
            "badge": selectors.certificate_badge(request.user),
            "rights": selectors.teaching_rights(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@teaching_required
def profile_edit(request):
    profile = (
        InstructorProfile.objects.prefetch_related("backgrounds", "languages")
        .filter(user=request.user)
        .first()
    )
    has_photo = bool(profile and profile.photo)
    form = ProfileForm(
        request.POST or None,
        request.FILES or None,
        initial=ProfileForm.initial_for(profile, request.user),
        has_photo=has_photo,
    )
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        try:
            profile = save_profile(
                request.user,
                display_name=cleaned["display_name"],
                bio=cleaned["bio"],
                city=cleaned["city"],
                country=cleaned["country"],
                backgrounds=cleaned["backgrounds"],
                languages=cleaned["languages"],
                offers_private_sessions=cleaned["offers_private_sessions"],
                notice_preference=cleaned["notice_preference"],
                is_public=cleaned["is_public"],
                photo=cleaned["photo"],
                remove_photo=cleaned.get("remove_photo", False),
            )
        except ProfileError as error:
            form.add_error("photo", str(error))
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("instructors:dashboard")
    return render(request, "instructors/profile_form.html", {"form": form, "profile": profile})
