from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from instructors.selectors import can_teach


def navigation(request) -> dict:
    """What the navigation offers this person: parents' pages, teaching, admin (roles from related data).

    "Teach" is asked lazily, so a page that never renders the navigation costs no query for it.
    """
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "nav": {
            "signed_in": signed_in,
            "is_instructor": SimpleLazyObject(lambda: signed_in and can_teach(user)),
            "is_staff": signed_in and user.is_staff,
        },
    }
