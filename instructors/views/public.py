"""The public side: find an instructor, and an instructor's profile with their live certificate badge."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from instructors.forms import DirectoryFilterForm
from instructors.selectors import (
    certificate_badge,
    directory_choices,
    directory_profiles,
    public_profile,
    upcoming_courses_of,
)

DIRECTORY_PAGE_SIZE = 12


@require_safe
def directory(request):
    choices = directory_choices()
    form = DirectoryFilterForm(
        request.GET, countries_listed=choices["countries"], languages_listed=choices["languages"]
    )
    form.is_valid()
    filters = form.filters()
    page = Paginator(directory_profiles(**filters), DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "instructors/profile_list.html",
        {
            "form": form,
            "page": page,
            "profiles": page.object_list,
            "filtered": bool(filters),
            "more_filters": bool(set(filters) - {"q"}),
        },
    )


@require_safe
def profile_detail(request, slug: str):
    profile = public_profile(slug)
    return render(
        request,
        "instructors/profile_detail.html",
        {
            "profile": profile,
            "badge": certificate_badge(profile.user),
            "courses": upcoming_courses_of(profile.user),
        },
    )
