"""Courses, sessions, babies and bookings in admin.

Statuses with rules (course, session, booking) are read-only here: they change through the services
(PRODUCT.md §7). The Publish and Cancel actions on courses live in instructors/admin.py, because
publishing needs the certificate rule of a higher floor.
Courses and bookings are not added here either: create_course and book_course own those writes.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.admin import person_column
from classes.models import (
    TEACHING_LANGUAGES,
    Attendance,
    Baby,
    Booking,
    BookingNotice,
    Course,
    Session,
    Venue,
)
from classes.selectors import with_availability

# What cannot change once families have booked (PRODUCT.md §7); session times change through "move".
FIXED_ONCE_BOOKED = ("format", "venue", "time_zone", "price", "currency", "min_age_weeks", "max_age_weeks")
SESSION_TIMES = ("starts_at", "duration_minutes", "week_number")


def has_families(course: Course | None) -> bool:
    return course is not None and course.pk is not None and course.bookings.live().exists()


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "country", person_column("owner", _("owner")), "time_zone")
    list_filter = ("country",)
    search_fields = ("name", "city", "address", "owner__email", "owner__full_name")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)


class SessionInline(admin.TabularInline):
    model = Session
    fields = ("starts_at", "duration_minutes", "week_number", "topic", "status")
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        if has_families(obj):
            return (*SESSION_TIMES, "status")
        return ("status",)

    def has_add_permission(self, request, obj=None) -> bool:
        return not has_families(obj) and super().has_add_permission(request, obj)


class BookingInline(admin.TabularInline):
    model = Booking
    fields = ("baby", "parent", "status", "cancel_reason", "is_paid", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("baby", "parent")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CourseAdminForm(forms.ModelForm):
    def clean_capacity(self) -> int:
        capacity = self.cleaned_data["capacity"]
        taken = getattr(self.instance, "places_taken", 0) if self.instance.pk else 0
        if capacity < taken:
            raise forms.ValidationError(
                _("%(taken)s places are taken; the capacity cannot go below that."), params={"taken": taken}
            )
        return capacity


class TaughtInFilter(admin.SimpleListFilter):
    """The teaching languages courses actually use, not all of Django's hundred."""

    title = _("taught in")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        names = dict(TEACHING_LANGUAGES)
        codes = Course.objects.order_by("language").values_list("language", flat=True).distinct()
        return [(code, _(names.get(code, code))) for code in codes]

    def queryset(self, request, queryset):
        return queryset.filter(language=self.value()) if self.value() else queryset


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    form = CourseAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "title",
        person_column("instructor", _("instructor")),
        "status",
        "format",
        "language",
        "capacity",
        "first_session",
        "places_taken",
        "is_practicum",
    )
    list_filter = ("status", "format", TaughtInFilter, "is_practicum")
    search_fields = ("title", "instructor__email", "instructor__full_name", "venue__city")
    date_hierarchy = "created_at"
    list_select_related = ("instructor", "venue")
    autocomplete_fields = ("venue",)
    inlines = [SessionInline, BookingInline]
    fieldsets = (
        (None, {"fields": ("title", "slug", "instructor", "status", "is_practicum")}),
        (_("Where and when"), {"fields": ("format", "venue", "online_link", "time_zone", "language")}),
        (
            _("Families"),
            {"fields": ("capacity", "min_age_weeks", "max_age_weeks", "cancellation_cutoff_hours")},
        ),
        (_("Price"), {"fields": ("price", "currency", "payment_notes")}),
        (_("Description"), {"fields": ("description",)}),
        (_("History"), {"fields": ("created_at", "updated_at", "published_at", "cancelled_at")}),
    )

    def get_queryset(self, request):
        return with_availability(super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        # The instructor is who published it under their certificate; it does not change hands here.
        readonly = [
            "instructor",
            "status",
            "is_practicum",
            "created_at",
            "updated_at",
            "published_at",
            "cancelled_at",
        ]
        if has_families(obj):
            readonly.extend(FIXED_ONCE_BOOKED)
        return readonly

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("first session"), ordering="first_session_at")
    def first_session(self, course: Course):
        return course.first_session_at

    @admin.display(description=_("places taken"), ordering="places_taken")
    def places_taken(self, course: Course) -> int:
        return course.places_taken


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("course", "week_number", "starts_at", "duration_minutes", "topic", "status")
    list_filter = ("status",)
    search_fields = ("course__title", "topic")
    date_hierarchy = "starts_at"
    list_select_related = ("course",)
    fields = ("course", "week_number", "curriculum", "topic", "starts_at", "duration_minutes", "status")

    def get_readonly_fields(self, request, obj=None):
        readonly = ["course", "curriculum", "status"]
        if obj is not None and has_families(obj.course):
            readonly.extend(SESSION_TIMES)
        return readonly

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Baby)
class BabyAdmin(admin.ModelAdmin):
    list_display = ("first_name", person_column("parent", _("parent")), "date_of_birth", "created_at")
    search_fields = ("first_name", "parent__email", "parent__full_name")
    date_hierarchy = "date_of_birth"
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = (
        "family",
        person_column("parent", _("parent")),
        "course",
        "status",
        "is_paid",
        "created_at",
    )
    list_filter = ("status", "is_paid", "cancel_reason")
    search_fields = ("baby__first_name", "parent__email", "parent__full_name", "course__title")
    date_hierarchy = "created_at"
    list_select_related = ("baby", "parent", "course")
    fields = (
        "course",
        "baby",
        "parent",
        "status",
        "cancel_reason",
        "is_paid",
        "created_at",
        "waitlisted_at",
        "offer_expires_at",
        "confirmed_at",
        "cancelled_at",
        "updated_at",
    )
    # Only the paid mark is edited by hand; everything else is the booking services' business.
    readonly_fields = tuple(field for field in fields if field != "is_paid")

    @admin.display(description=_("baby"), ordering="baby__first_name")
    def family(self, booking: Booking) -> str:
        return booking.baby.first_name if booking.baby_id else _("deleted family")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # A booking is cancelled, never deleted: registers and practicum counts rely on it.
        return False


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ("booking", "session", "status", "marked_by", "marked_at")
    list_filter = ("status",)
    search_fields = ("booking__baby__first_name", "booking__course__title", "booking__parent__email")
    list_select_related = ("booking__baby", "booking__course", "session__course", "marked_by")
    raw_id_fields = ("booking", "session")
    autocomplete_fields = ("marked_by",)


@admin.register(BookingNotice)
class BookingNoticeAdmin(admin.ModelAdmin):
    """What instructors were (or are about to be) told about their bookings; written by the services."""

    list_display = ("at", "kind", "course", "booking", "notified_at")
    list_filter = ("kind", ("notified_at", admin.EmptyFieldListFilter))
    search_fields = ("course__title", "course__instructor__email", "booking__baby__first_name")
    date_hierarchy = "at"
    list_select_related = ("course", "booking__baby", "booking__course")
    fields = ("course", "booking", "kind", "at", "notified_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
