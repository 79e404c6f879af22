"""Forms for instructors: the profile, the directory filters, the course builder and the /teach/ actions.

Forms check the shape of a request (types, ranges, a photo that really is a photo); the rules of
courses and bookings live in the services, whose errors the views show next to the form.
"""

from __future__ import annotations

from instructors.forms.courses import (
    NEW_VENUE,
    CourseBuilderForm,
    CourseForm,
    MoveSessionForm,
    SessionTopicsForm,
)
from instructors.forms.families import MessageForm, PaidForm, RegisterForm, SessionRefundForm
from instructors.forms.profile import MAX_PHOTO_BYTES, DirectoryFilterForm, ProfileForm, check_photo
from instructors.forms.repeat import RepeatCourseForm

__all__ = [
    "MAX_PHOTO_BYTES",
    "NEW_VENUE",
    "CourseBuilderForm",
    "CourseForm",
    "DirectoryFilterForm",
    "MessageForm",
    "MoveSessionForm",
    "PaidForm",
    "ProfileForm",
    "RegisterForm",
    "RepeatCourseForm",
    "SessionRefundForm",
    "SessionTopicsForm",
    "check_photo",
]
