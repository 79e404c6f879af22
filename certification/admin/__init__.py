"""Trainings, enrollments and certificates in admin, where trainers record outcomes and admins issue.

Enrollment statuses and certificates change only through certification.services (docs/architecture.md): the
admin actions here call them, and the fields they own are read-only. Importing the modules registers their
ModelAdmins; the names below stay importable from certification.admin.
"""

from __future__ import annotations

from certification.admin.certificates import (
    LIFECYCLE,
    CertificateAdmin,
    CertificateEventAdmin,
    CertificateEventInline,
    CertificateStatusFilter,
    IssuedYearFilter,
    Lifecycle,
    lifecycle_steps_for,
)
from certification.admin.common import ISSUE_CERTIFICATE, MANAGE_CERTIFICATE, is_certification_admin
from certification.admin.enrollments import OUTCOME_FIELDS, EnrollmentAdmin, EnrollmentChangeList
from certification.admin.trainings import TrainingCourseAdmin, TrainingCourseForm

__all__ = [
    "ISSUE_CERTIFICATE",
    "LIFECYCLE",
    "MANAGE_CERTIFICATE",
    "OUTCOME_FIELDS",
    "CertificateAdmin",
    "CertificateEventAdmin",
    "CertificateEventInline",
    "CertificateStatusFilter",
    "EnrollmentAdmin",
    "EnrollmentChangeList",
    "IssuedYearFilter",
    "Lifecycle",
    "TrainingCourseAdmin",
    "TrainingCourseForm",
    "is_certification_admin",
    "lifecycle_steps_for",
]
