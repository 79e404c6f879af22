"""Trainings in admin: certification admins see and edit every one, a trainer only those they lead."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from accounts.admin import person_column
from accounts.models import TRAINERS_GROUP, User
from certification.admin.common import is_certification_admin
from certification.models import Enrollment, TrainingCourse, TrainingModule


class TrainingCourseForm(forms.ModelForm):
    modules = forms.MultipleChoiceField(
        label=_("Modules covered"), choices=TrainingModule.choices, widget=forms.CheckboxSelectMultiple
    )

    def clean_modules(self) -> list[str]:
        chosen = set(self.cleaned_data["modules"])
        return [module.value for module in TrainingModule if module.value in chosen]


@admin.register(TrainingCourse)
class TrainingCourseAdmin(admin.ModelAdmin):
    form = TrainingCourseForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "title",
        person_column("trainer", _("trainer")),
        "starts_on",
        "ends_on",
        "format",
        "capacity",
        "enrolled",
        "applications",
        "is_published",
    )
    list_filter = ("format", "language", "is_published")
    search_fields = ("title", "trainer__email", "trainer__full_name")
    date_hierarchy = "starts_on"
    list_select_related = ("trainer",)
    readonly_fields = ("created_at",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Trainers come from the Trainers group; a plain list of them, not every account (and no
        # autocomplete, which would need permission to browse users).
        if db_field.name == "trainer":
            kwargs["queryset"] = (
                User.objects.filter(Q(groups__name=TRAINERS_GROUP) | Q(is_superuser=True), is_active=True)
                .distinct()
                .order_by("full_name", "email")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        trainings = super().get_queryset(request)
        if not is_certification_admin(request):
            # Trainers see the trainings they lead, and nothing else.
            trainings = trainings.filter(trainer=request.user)
        return trainings.annotate(
            enrolled_count=Count(
                "enrollments",
                filter=Q(enrollments__status__in=[Enrollment.Status.ACCEPTED, Enrollment.Status.CERTIFIED]),
            ),
            applications_count=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.APPLIED)),
        )

    @admin.display(description=_("enrolled"), ordering="enrolled_count")
    def enrolled(self, training: TrainingCourse) -> int:
        return training.enrolled_count

    @admin.display(description=_("waiting for a decision"), ordering="applications_count")
    def applications(self, training: TrainingCourse) -> int:
        return training.applications_count
