"""Each figure of the association dashboard as a chart, a table (the chart's data, for every reader and
for screen readers) and the same rows as CSV: one builder per figure, keyed by the slug of its CSV."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from association import selectors
from association.charts import Chart, Series, bar_chart, column_chart

CITIES_CHARTED = 12


@dataclass(frozen=True)
class Figure:
    chart: Chart
    columns: list[str]
    rows: list[list[object]]
    note: str = ""


def _week(day) -> str:
    return date_format(day, "j M")


def bookings_figure() -> Figure:
    weeks = selectors.bookings_by_week()
    labels = [_week(week.week) for week in weeks]
    busiest = max(weeks, key=lambda week: week.taken)
    chart = column_chart(
        slug="bookings",
        title=_("Places offered and taken per week, and the fill rate"),
        description=_(
            "Per week of a course's first session, from %(first)s to %(last)s: places offered, places "
            "taken and the fill rate. The most places taken: %(taken)s in the week of %(week)s."
        )
        % {
            "first": labels[0],
            "last": labels[-1],
            "taken": busiest.taken,
            "week": _week(busiest.week),
        },
        categories=labels,
        series=[
            Series(_("Places offered"), [week.places for week in weeks]),
            Series(_("Places taken"), [week.taken for week in weeks]),
        ],
        percent=Series(_("Fill rate"), [week.fill_percent for week in weeks]),
    )
    return Figure(
        chart=chart,
        columns=[
            _("Week starting"),
            _("Courses starting"),
            _("Places offered"),
            _("Places taken"),
            _("Fill rate (%)"),
            _("Places booked that week"),
        ],
        rows=[
            [
                week.week.isoformat(),
                week.courses,
                week.places,
                week.taken,
                "" if week.fill_percent is None else week.fill_percent,
                week.new_bookings,
            ]
            for week in weeks
        ],
    )


def demand_figure() -> Figure:
    cities = selectors.demand_by_city()
    charted = cities[:CITIES_CHARTED]
    labels = [selectors.city_label(city) for city in charted]
    if charted:
        first = charted[0]
        summary = _(
            "%(count)s towns. The most families waiting: %(waiting)s in %(city)s, for %(places)s places."
        ) % {"count": len(cities), "waiting": first.waiting, "city": labels[0], "places": first.places}
    else:
        summary = _("No published course in this period.")
    chart = bar_chart(
        slug="demand",
        title=_("Families waiting against places offered, by town"),
        description=summary,
        categories=labels,
        series=[
            Series(_("Places offered"), [city.places for city in charted]),
            Series(_("Families waiting"), [city.waiting for city in charted]),
        ],
    )
    return Figure(
        chart=chart,
        columns=[
            _("Town"),
            _("Country"),
            _("Courses"),
            _("Places offered"),
            _("Places taken"),
            _("Families waiting"),
        ],
        rows=[
            [city.city or _("Online"), city.country, city.courses, city.places, city.taken, city.waiting]
            for city in cities
        ],
        note=_(
            "Published courses whose first session is between %(back)s weeks ago and %(ahead)s weeks "
            "ahead. The chart shows the %(shown)s towns with the most families waiting; the table and "
            "the CSV list every town."
        )
        % {
            "back": selectors.DEMAND_WEEKS_BACK,
            "ahead": selectors.DEMAND_WEEKS_AHEAD,
            "shown": CITIES_CHARTED,
        },
    )


def expiries_figure() -> Figure:
    months = selectors.certificates_expiring_by_month()
    labels = [date_format(month.month, "M Y") for month in months]
    chart = column_chart(
        slug="expiries",
        title=_("Certificates expiring per month, next 12 months"),
        description=_("%(count)s certificates valid now expire between %(first)s and %(last)s.")
        % {"count": sum(month.certificates for month in months), "first": labels[0], "last": labels[-1]},
        categories=labels,
        series=[Series(_("Certificates expiring"), [month.certificates for month in months])],
    )
    return Figure(
        chart=chart,
        columns=[_("Month"), _("Certificates expiring")],
        rows=[[month.month.strftime("%Y-%m"), month.certificates] for month in months],
    )


def practicum_figure() -> Figure:
    progress = selectors.practicum_progress()
    required = settings.CERTIFICATION_PRACTICUM_FAMILIES
    labels = [trainee.name for trainee in progress.trainees]
    done = sum(1 for trainee in progress.trainees if trainee.families >= required)
    chart = bar_chart(
        slug="practicum",
        title=_("Practicum families of current trainees"),
        description=_(
            "%(count)s trainees in their practicum; %(done)s of those listed have the %(required)s "
            "families they need."
        )
        % {"count": progress.total, "done": done, "required": required},
        categories=labels,
        series=[Series(_("Families counted"), [trainee.families for trainee in progress.trainees])],
        largest=required,
    )
    note = ""
    if progress.total > len(progress.trainees):
        note = _("The %(shown)s trainees with the nearest deadlines of %(count)s.") % {
            "shown": len(progress.trainees),
            "count": progress.total,
        }
    return Figure(
        chart=chart,
        columns=[_("Trainee"), _("Training"), _("Deadline"), _("Families counted"), _("Families needed")],
        rows=[
            [
                trainee.name,
                trainee.enrollment.training.title,
                trainee.enrollment.deadline.isoformat() if trainee.enrollment.deadline else "",
                trainee.families,
                trainee.required,
            ]
            for trainee in progress.trainees
        ],
        note=note,
    )


def failed_emails_figure() -> Figure:
    failed = selectors.failed_emails()
    labels = [_week(week.week) for week in failed.weeks]
    chart = column_chart(
        slug="failed-emails",
        title=_("Emails that failed, per week"),
        description=_("%(recent)s emails failed in the last %(weeks)s weeks; %(total)s have failed in all.")
        % {
            "recent": sum(week.failed for week in failed.weeks),
            "weeks": selectors.FAILED_WEEKS,
            "total": failed.total,
        },
        categories=labels,
        series=[Series(_("Emails failed"), [week.failed for week in failed.weeks])],
    )
    return Figure(
        chart=chart,
        columns=[_("Week starting"), _("Emails failed")],
        rows=[[week.week.isoformat(), week.failed] for week in failed.weeks],
    )


FIGURES: dict[str, Callable[[], Figure]] = {
    "bookings": bookings_figure,
    "demand": demand_figure,
    "expiries": expiries_figure,
    "practicum": practicum_figure,
    "failed-emails": failed_emails_figure,
}
