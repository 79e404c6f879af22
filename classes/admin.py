"""Courses, sessions, babies, bookings and families' evaluations in admin.

Every write goes through the services, as it does on the site: a course's details are saved by
update_course (under the course lock, capacity never below the places taken, freed places offered at once),
and only by people who may manage any course (classes.manage_any_course), whose changes are recorded.
Statuses with rules (course, session, booking), session times, the paid mark and the register are
read-only here; they change on the teaching pages or through admin actions that call the services. The
Publish and Cancel actions on courses live in instructors/admin.py, because publishing needs the
certificate rule of a higher floor. Courses and bookings are not added here either: create_course and
book_course own those writes.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.admin import person_column
from classes.models import (
    COURSE_EDITABLE_FIELDS,
    COURSE_FIXED_ONCE_BOOKED,
    TEACHING_LANGUAGES,
    Attendance,
    Baby,
    Booking,
    BookingNotice,
    Course,
    CourseAction,
    Evaluation,
    Session,
    Venue,
)
from classes.selectors import manages_any_course, with_availability
from classes.services import CourseError, check_course_update, update_course
from config.admin import ReadOnlyAdminMixin, ServiceSaveAdminMixin


def has_families(course: Course | None) -> bool:
    return course is not None and course.pk is not None and course.bookings.live().exists()


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "country", person_column("owner", _("owner")), "time_zone")
    list_filter = ("country",)
    search_fields = ("name", "city", "address", "owner__email", "owner__full_name")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)


class SessionInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Sessions are moved, cancelled and given topics on the teaching pages, which tell every family."""

    model = Session
    fields = ("starts_at", "duration_minutes", "week_number", "topic", "status")
    readonly_fields = fields
    extra = 0


class BookingInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Booking
    fields = ("baby", "parent", "status", "cancel_reason", "is_paid", "created_at")
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("baby", "parent")


class CourseActionInline(ReadOnlyAdminMixin, admin.TabularInline):
    """What coordinators did to this course on the instructor's behalf."""

    model = CourseAction
    fields = ("at", "kind", "actor", "details")
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


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


class CourseAdminForm(forms.ModelForm):
    """Shows a refusal of update_course's rules next to the field, before anything is saved."""

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk and not self.errors and self.request is not None:
            changes = {name: cleaned[name] for name in self.changed_data if name in COURSE_EDITABLE_FIELDS}
            try:
                check_course_update(self.instance, actor=self.request.user, **changes)
            except CourseError as error:
                self.add_error(error.field if error.field in self.fields else None, str(error))
        return cleaned


@admin.register(Course)
class CourseAdmin(ServiceSaveAdminMixin, admin.ModelAdmin):
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
    inlines = [SessionInline, BookingInline, CourseActionInline]
    fieldsets = (
        (None, {"fields": ("title", "slug", "instructor", "status", "is_practicum")}),
        (_("Where and when"), {"fields": ("format", "venue", "online_link", "time_zone", "language")}),
        (
            _("Families"),
            {"fields": ("capacity", "min_age_weeks", "max_age_weeks", "cancellation_cutoff_hours")},
        ),
        (
            _("Price"),
            {"fields": ("price", "currency", "payment_notes", "refund_percent", "late_refund_percent")},
        ),
        (_("Description"), {"fields": ("description",)}),
        (_("History"), {"fields": ("created_at", "updated_at", "published_at", "cancelled_at")}),
    )

    def get_queryset(self, request):
        return with_availability(super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        # Only what update_course may change is editable; the instructor (who published it under their
        # certificate), the status and whether it is a practicum course never change here.
        editable = COURSE_EDITABLE_FIELDS - {"is_practicum"}
        if has_families(obj):
            editable -= COURSE_FIXED_ONCE_BOOKED
        every = [name for fieldset in self.fieldsets for name in fieldset[1]["fields"]]
        return [name for name in every if name not in editable]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Changing someone's course is acting on it: the same permission as on the teaching pages.
        return super().has_change_permission(request, obj) and manages_any_course(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        # A course is cancelled (an action that tells every family), never deleted.
        return False

    def has_manage_any_course_permission(self, request) -> bool:
        return manages_any_course(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.request = request
        return form

    def save_model(self, request, obj, form, change) -> None:
        """Save through update_course, which locks the course, checks the rules and offers freed places;
        a refusal that slipped past the form's check (another change in between) is shown on the page and
        nothing changes."""
        changes = {
            name: form.cleaned_data[name] for name in form.changed_data if name in COURSE_EDITABLE_FIELDS
        }
        try:
            update_course(Course.objects.get(pk=obj.pk), actor=request.user, **changes)
        except CourseError as error:
            self.refuse_save(request, str(error))

    @admin.display(description=_("first session"), ordering="first_session_at")
    def first_session(self, course: Course):
        return course.first_session_at

    @admin.display(description=_("places taken"), ordering="places_taken")
    def places_taken(self, course: Course) -> int:
        return course.places_taken


@admin.register(Session)
class SessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("course", "week_number", "starts_at", "duration_minutes", "topic", "status")
    list_filter = ("status",)
    search_fields = ("course__title", "topic")
    date_hierarchy = "starts_at"
    list_select_related = ("course",)
    fields = ("course", "week_number", "curriculum", "topic", "starts_at", "duration_minutes", "status")
    readonly_fields = fields


@admin.register(Baby)
class BabyAdmin(admin.ModelAdmin):
    list_display = ("first_name", person_column("parent", _("parent")), "date_of_birth", "created_at")
    search_fields = ("first_name", "parent__email", "parent__full_name")
    date_hierarchy = "date_of_birth"
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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
    # The booking services own every field; the paid mark is set from the course's roster (set_paid).
    readonly_fields = fields

    @admin.display(description=_("baby"), ordering="baby__first_name")
    def family(self, booking: Booking) -> str:
        return booking.baby.first_name if booking.baby_id else _("deleted family")


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The register is taken on the teaching pages (take_register), only for sessions that have started."""

    list_display = ("booking", "session", "status", "marked_by", "marked_at")
    list_filter = ("status",)
    search_fields = ("booking__baby__first_name", "booking__course__title", "booking__parent__email")
    list_select_related = ("booking__baby", "booking__course", "session__course", "marked_by")
    fields = ("booking", "session", "status", "marked_by", "marked_at")
    readonly_fields = fields


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


@admin.register(CourseAction)
class CourseActionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Everything coordinators did to courses they do not teach, newest first."""

    list_display = ("at", "kind", "course", "actor", "details")
    list_filter = ("kind",)
    search_fields = ("course__title", "actor__email", "actor__full_name", "details")
    date_hierarchy = "at"
    list_select_related = ("course", "actor")
    fields = ("at", "kind", "course", "actor", "details")
    readonly_fields = fields


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every family's evaluation, as the family sent it: staff holding classes.view_evaluation read them
    all, with the booking they belong to; nobody edits or deletes one (instructors see aggregates only)."""

    list_display = (
        "submitted_at",
        "course",
        "teaching_rating",
        "confidence_rating",
        "group_rating",
        "recommend_rating",
        "home_practice",
        "language",
    )
    list_filter = ("home_practice", "language", "booking__course__is_practicum")
    search_fields = ("booking__course__title", "booking__course__instructor__email", "gained", "to_improve")
    date_hierarchy = "submitted_at"
    list_select_related = ("booking__course",)
    fields = (
        "booking",
        "submitted_at",
        "language",
        "teaching_rating",
        "confidence_rating",
        "group_rating",
        "recommend_rating",
        "home_practice",
        "gained",
        "to_improve",
    )
    readonly_fields = fields

    @admin.display(description=_("course"), ordering="booking__course__title")
    def course(self, evaluation: Evaluation) -> str:
        return evaluation.booking.course.title
