from __future__ import annotations

from django.contrib import admin
from django.urls import NoReverseMatch

from instructors.models import InstructorBackground, InstructorLanguage, InstructorProfile


class InstructorBackgroundInline(admin.TabularInline):
    model = InstructorBackground
    extra = 0


class InstructorLanguageInline(admin.TabularInline):
    model = InstructorLanguage
    extra = 0


@admin.register(InstructorProfile)
class InstructorProfileAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "city", "country", "is_public", "offers_private_sessions")
    list_filter = ("is_public", "country", "offers_private_sessions", "backgrounds__background")
    search_fields = ("display_name", "slug", "city", "user__email", "user__full_name")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    readonly_fields = ("created_at", "updated_at")
    inlines = [InstructorBackgroundInline, InstructorLanguageInline]

    def view_on_site(self, profile: InstructorProfile) -> str | None:
        # The public profile page, once its URL exists.
        try:
            return profile.get_absolute_url()
        except NoReverseMatch:
            return None
