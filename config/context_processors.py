from __future__ import annotations


def navigation(request) -> dict:
    """What the navigation offers this person: parents' pages, teaching, admin (roles from related data)."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "nav": {
            "signed_in": signed_in,
            "is_instructor": signed_in and (hasattr(user, "instructor_profile") or user.courses.exists()),
            "is_staff": signed_in and user.is_staff,
        },
    }
