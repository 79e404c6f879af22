from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, Q, QuerySet
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from classes.admin import CourseAdmin
from classes.models import Booking, Course
from classes.services import CourseError, cancel_course
from instructors.models import InstructorBackground, InstructorLanguage, InstructorProfile
from instructors.services import PublishingError, publish_course


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


class PublishingCourseAdmin(CourseAdmin):
    """classes' course admin with the actions that change a course's status through the services:
    publishing needs the certificate, which classes may not know about, so the actions live here."""

    actions = [*(CourseAdmin.actions or ()), "publish_selected", "cancel_selected"]

    @admin.action(
        description=gettext_lazy("Publish the selected draft courses"), permissions=["manage_any_course"]
    )
    def publish_selected(self, request, queryset: QuerySet[Course]) -> None:
        published = 0
        for course in queryset.select_related("instructor"):
            try:
                publish_course(course, actor=request.user)
            except PublishingError as error:
                self.message_user(
                    request,
                    _("“%(course)s” was not published: %(reason)s") % {"course": course, "reason": error},
                    messages.ERROR,
                )
            else:
                published += 1
        if published:
            self.message_user(
                request, _("%(count)s course(s) published.") % {"count": published}, messages.SUCCESS
            )

    @admin.action(
        description=gettext_lazy("Cancel the selected courses and email their families"),
        permissions=["manage_any_course"],
    )
    def cancel_selected(self, request, queryset: QuerySet[Course]):
        """Asks first (every family is emailed), then cancels each course through the service."""
        if request.POST.get("post") != "yes":
            courses = queryset.annotate(
                families=Count("bookings", filter=~Q(bookings__status=Booking.Status.CANCELLED))
            ).select_related("instructor")
            return TemplateResponse(
                request,
                "instructors/admin_cancel_courses.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Cancel these courses?"),
                    "courses": courses,
                    "opts": self.model._meta,
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                    "action": "cancel_selected",
                },
            )
        cancelled = 0
        for course in queryset:
            try:
                cancel_course(course, actor=request.user)
            except CourseError as error:
                self.message_user(
                    request,
                    _("“%(course)s” was not cancelled: %(reason)s") % {"course": course, "reason": error},
                    messages.ERROR,
                )
            else:
                cancelled += 1
        if cancelled:
            self.message_user(
                request,
                _("%(count)s course(s) cancelled; their families are emailed.") % {"count": cancelled},
                messages.SUCCESS,
            )
        return None


admin.site.unregister(Course)
admin.site.register(Course, PublishingCourseAdmin)
