"""What the site's menus offer the person asking: parents' pages, teaching, training progress, admin.

The roles come from related data (instructors.selectors.can_teach, an enrollment in a training), asked
at most once a request and, where every process shares one cache (Redis), kept there for a minute per
person: the menu is on every page, and a link that appears a minute late costs nothing, since each
/teach/ page asks can_teach itself before it shows anything. The middleware hangs the answer on the
request, so that a view keeping a page for everyone with the same menu (classes.page_cache) reads the
same answer without importing the teaching app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cached_property

from django.core.cache import cache

from certification.selectors import enrolled_training_ids
from classes.catalog_cache import cache_is_shared
from instructors.selectors import can_teach

logger = logging.getLogger(__name__)

NAVIGATION_ROLES_SECONDS = 60


class Navigation:
    """The menu's choices for one request's user; `variant` names the menu, for keys of kept pages."""

    def __init__(self, user) -> None:
        self._user = user

    @cached_property
    def signed_in(self) -> bool:
        return bool(self._user and self._user.is_authenticated)

    @cached_property
    def is_staff(self) -> bool:
        return self.signed_in and self._user.is_staff

    @cached_property
    def is_instructor(self) -> bool:
        return self.signed_in and _role(self._user, "teach", can_teach)

    @cached_property
    def is_trainee(self) -> bool:
        """Applied to or enrolled in a training: the menu leads to their progress page."""
        return self.signed_in and _role(self._user, "train", _has_enrollment)

    @property
    def variant(self) -> str:
        if not self.signed_in:
            return "visitor"
        roles = f"teach={int(self.is_instructor)}:train={int(self.is_trainee)}:staff={int(self.is_staff)}"
        return f"signed-in:{roles}"


def _has_enrollment(user) -> bool:
    return bool(enrolled_training_ids(user))


def _role(user, name: str, ask: Callable[..., bool]) -> bool:
    if not cache_is_shared():
        return ask(user)
    key = f"config:navigation:{name}:{user.pk}"
    try:
        known = cache.get(key)
    except Exception:
        logger.warning("Cache unreachable; the menu's roles are read from the database.", exc_info=True)
        return ask(user)
    if known is not None:
        return known
    answer = ask(user)
    try:
        cache.set(key, answer, timeout=NAVIGATION_ROLES_SECONDS)
    except Exception:
        logger.warning("Cache unreachable; the menu's roles are not kept.", exc_info=True)
    return answer


class NavigationMiddleware:
    """Hangs `request.navigation` (lazy: a request that shows no menu asks nothing). After
    AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.navigation = Navigation(getattr(request, "user", None))
        return self.get_response(request)


def navigation(request) -> dict:
    """Template context: `nav` for base.html's menu."""
    nav = getattr(request, "navigation", None)
    return {"nav": nav if nav is not None else Navigation(getattr(request, "user", None))}
