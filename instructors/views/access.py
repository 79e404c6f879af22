"""Who may use the /teach/ pages; objects themselves are loaded through instructors.selectors'
get_own_…_or_404 helpers, so someone else's course is a 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from instructors.selectors import can_teach


def teaching_required(view: Callable) -> Callable:
    """Signed-out visitors go to the sign-in page; people who do not teach get a 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_teach(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)
