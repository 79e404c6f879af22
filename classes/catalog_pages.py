"""A page of catalog ids read in one query with what the page needs to know of the whole list.

The courses near a place are ordered by distance, which no index gives: both Django's count and its page
computed every distance in the box, and a third query asked when the soonest of them starts (when the kept
page goes stale). Window functions return all three from the query that reads the page.
"""

from __future__ import annotations

from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, Min, QuerySet, Window


class WindowPaginator(Paginator):
    """A Paginator over a queryset of catalog ids whose page query also returns the total (so no COUNT is
    run) and the soonest first session of the whole list (``soonest``, read after get_page)."""

    def __init__(self, ids: QuerySet, per_page: int) -> None:
        super().__init__(ids, per_page)
        self.soonest: datetime | None = None

    def get_page(self, number: int) -> Page:
        number = max(number, 1)
        bottom = (number - 1) * self.per_page
        rows = list(
            self.object_list.annotate(
                listed=Window(Count("pk")), soonest_start=Window(Min("first_session_at"))
            ).values_list("pk", "listed", "soonest_start")[bottom : bottom + self.per_page]
        )
        if not rows and number > 1:
            # Past the last page (an old bookmark): counted the usual way, the last page shown.
            page = super().get_page(number)
            self.soonest = self.object_list.aggregate(soonest=Min("first_session_at"))["soonest"]
            return page
        # Set what Paginator.count would otherwise ask the database for.
        self.__dict__["count"] = rows[0][1] if rows else 0
        self.soonest = rows[0][2] if rows else None
        return self._get_page([pk for pk, _listed, _soonest in rows], number, self)
