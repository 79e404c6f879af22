"""The course builder and the forms that change a course's sessions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.models import time_zone_choices
from classes.curriculum import topic_title
from classes.forms import date_field
from classes.models import COURSE_FIXED_ONCE_BOOKED, Course, Session, Venue
from classes.services import MAX_WEEKS
from instructors.forms.common import TimeInput, language_choices

NEW_VENUE = "new"

PERCENT_ERRORS = {
    "min_value": _("Enter a percentage from 0 to 100."),
    "max_value": _("Enter a percentage from 0 to 100."),
    "invalid": _("Enter a percentage from 0 to 100."),
}

currency_code = RegexValidator(r"^[A-Za-z]{3}$", _("Enter a three-letter currency code, such as EUR or GBP."))


class CourseForm(forms.Form):
    """A course's details. With families booked, what they booked on (classes.models.COURSE_FIXED_ONCE_BOOKED)
    is shown but disabled."""

    NEW_VENUE_FIELDS = (
        "new_venue_name",
        "new_venue_address",
        "new_venue_city",
        "new_venue_country",
        "new_venue_time_zone",
        "new_venue_accessibility_notes",
    )

    title = forms.CharField(label=_("Title"), max_length=150)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What families will learn and what to bring. Shown on the course page."),
    )
    format = forms.ChoiceField(
        label=_("Where the group meets"),
        choices=Course.Format.choices,
        widget=forms.RadioSelect,
        initial=Course.Format.VENUE,
    )
    venue = forms.ChoiceField(
        label=_("Venue"),
        required=False,
        help_text=_("One of your venues, or add a new one below."),
        error_messages={"invalid_choice": _("Choose one of your venues, or add a new one.")},
    )
    new_venue_name = forms.CharField(label=_("Venue name"), max_length=120, required=False)
    new_venue_address = forms.CharField(
        label=_("Street address"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    new_venue_city = forms.CharField(
        label=_("Town or city"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    new_venue_country = forms.ChoiceField(
        label=_("Country"), required=False, choices=lambda: [("", _("Choose a country")), *countries]
    )
    new_venue_time_zone = forms.ChoiceField(
        label=_("Venue time zone"), required=False, choices=lambda: [("", "—"), *time_zone_choices()]
    )
    new_venue_accessibility_notes = forms.CharField(
        label=_("Getting in (accessibility)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Step-free access, pram parking, changing table, lift…"),
    )
    online_link = forms.URLField(
        label=_("Online meeting link"),
        required=False,
        assume_scheme="https",
        help_text=_("Only families with a confirmed place see it. You can add it later."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone of an online course"),
        required=False,
        choices=time_zone_choices,
        help_text=_(
            "Session times are set and shown in this zone. A course at a venue uses the venue's zone."
        ),
    )
    language = forms.ChoiceField(label=_("Taught in"), choices=language_choices)
    capacity = forms.IntegerField(
        label=_("Places (families)"),
        min_value=1,
        max_value=30,
        initial=8,
        help_text=_("A family is one parent or caregiver and one baby."),
    )
    price = forms.DecimalField(
        label=_("Price for the whole course"),
        min_value=Decimal("0"),
        max_digits=8,
        decimal_places=2,
        initial=0,
    )
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        initial="EUR",
        validators=[currency_code],
        widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
    )
    # Not required: a form posted without it (a page from before) changes nothing; a new course then pays
    # at the course (classes.services.courses.settled_payment_mode).
    payment_mode = forms.ChoiceField(
        label=_("Payment"),
        choices=Course.PaymentMode.choices,
        initial=Course.PaymentMode.AT_COURSE,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "Online: booking holds the place while the family pays by card, and refunds follow your "
            "cancellation cutoff automatically."
        ),
    )
    payment_notes = forms.CharField(
        label=_("How families pay you"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the course page: how families pay you, and when."),
    )
    min_age_weeks = forms.IntegerField(
        label=_("Youngest baby (weeks)"), min_value=0, max_value=104, initial=4
    )
    max_age_weeks = forms.IntegerField(label=_("Oldest baby (weeks)"), min_value=0, max_value=104, initial=30)
    cancellation_cutoff_hours = forms.IntegerField(
        label=_("Families can cancel online until (hours before the first session)"),
        min_value=0,
        max_value=24 * 14,
        initial=48,
    )
    # Not required: a form posted without it (a page from before) leaves the course's refund as it is, and a
    # new course gets COURSE_REFUND_PERCENT_DEFAULT.
    refund_percent = forms.IntegerField(
        label=_("Refund when a family cancels in time (%)"),
        required=False,
        min_value=0,
        max_value=100,
        error_messages=PERCENT_ERRORS,
        help_text=_(
            "For courses paid online: the share of the card payment that goes back automatically when a "
            "family cancels before the cutoff. 100 is a full refund."
        ),
    )
    late_refund_percent = forms.IntegerField(
        label=_("Refund when a family cancels after the cutoff (%)"),
        required=False,
        min_value=0,
        max_value=100,
        error_messages=PERCENT_ERRORS,
        help_text=_(
            "For courses paid online. Leave it empty and families cannot cancel online after the cutoff: "
            "they are asked to contact you. With a number, they can cancel until the first session and get "
            "that share back; their place goes to the waitlist."
        ),
    )
    is_practicum = forms.BooleanField(
        label=_("Practicum course"),
        required=False,
        help_text=_(
            "Taught as part of your certification. It is labelled “Practicum course” everywhere; while "
            "you are in training you can publish practicum courses only."
        ),
    )

    def __init__(
        self,
        *args,
        venues: list[Venue],
        show_practicum: bool,
        locked: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.venues = {str(venue.pk): venue for venue in venues}
        self.fields["venue"].choices = [
            ("", _("Choose a venue")),
            *((str(venue.pk), str(venue)) for venue in venues),
            (NEW_VENUE, _("A new venue (fill in below)")),
        ]
        self.fields["cancellation_cutoff_hours"].initial = Course._meta.get_field(
            "cancellation_cutoff_hours"
        ).default
        self.fields["refund_percent"].initial = settings.COURSE_REFUND_PERCENT_DEFAULT
        if not show_practicum:
            del self.fields["is_practicum"]
        if not settings.PAYMENTS_ENABLED:
            # Nothing is paid online, so nothing is refunded online either.
            for name in ("payment_mode", "refund_percent", "late_refund_percent"):
                del self.fields[name]
        elif settings.PAYMENTS_REQUIRE_ONLINE:
            field = self.fields["payment_mode"]
            field.initial = Course.PaymentMode.ONLINE
            field.disabled = True
            field.help_text = _("The association asks for every course to be paid online.")
        self.locked = locked
        if locked:
            for name, field in self.fields.items():
                if name in COURSE_FIXED_ONCE_BOOKED:
                    field.disabled = True
                    field.help_text = _("Families have booked, so this can no longer change.")
            for name in self.NEW_VENUE_FIELDS:
                del self.fields[name]

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].upper()

    def clean(self) -> dict:
        cleaned = super().clean()
        low, high = cleaned.get("min_age_weeks"), cleaned.get("max_age_weeks")
        if low is not None and high is not None and low > high:
            self.add_error("max_age_weeks", _("The oldest age must not be below the youngest."))
        if cleaned.get("format") == Course.Format.VENUE and not self.locked:
            choice = cleaned.get("venue")
            if choice == NEW_VENUE:
                for name in self.NEW_VENUE_FIELDS:
                    if name != "new_venue_accessibility_notes" and not cleaned.get(name):
                        self.add_error(name, _("Fill this in for the new venue."))
            elif choice not in self.venues and "venue" not in self.errors:
                self.add_error("venue", _("Choose one of your venues, or add a new one."))
        return cleaned

    def new_venue(self) -> dict | None:
        cleaned = self.cleaned_data
        if cleaned.get("format") != Course.Format.VENUE or cleaned.get("venue") != NEW_VENUE:
            return None
        return {name.removeprefix("new_venue_"): cleaned[name] for name in self.NEW_VENUE_FIELDS}

    def course_fields(self) -> dict:
        """The course's own fields, ready for the services (venue as an object, None for a new one)."""
        cleaned = self.cleaned_data
        fields = {
            name: cleaned[name]
            for name in (
                "title",
                "description",
                "format",
                "online_link",
                "language",
                "capacity",
                "price",
                "currency",
                "payment_notes",
                "min_age_weeks",
                "max_age_weeks",
                "cancellation_cutoff_hours",
            )
        }
        if cleaned.get("refund_percent") is not None:
            fields["refund_percent"] = cleaned["refund_percent"]
        if "late_refund_percent" in self.fields:
            fields["late_refund_percent"] = cleaned["late_refund_percent"]
        if "is_practicum" in self.fields:
            fields["is_practicum"] = cleaned["is_practicum"]
        if cleaned.get("payment_mode"):
            fields["payment_mode"] = cleaned["payment_mode"]
        if cleaned["format"] == Course.Format.ONLINE:
            fields["time_zone"] = cleaned["time_zone"]
            fields["venue"] = None
        else:
            fields["venue"] = self.venues.get(cleaned["venue"])
        return fields

    @staticmethod
    def initial_for(course: Course) -> dict:
        return {
            "title": course.title,
            "description": course.description,
            "format": course.format,
            "venue": str(course.venue_id) if course.venue_id else "",
            "online_link": course.online_link,
            "time_zone": course.time_zone,
            "language": course.language,
            "capacity": course.capacity,
            "price": course.price,
            "currency": course.currency,
            "payment_notes": course.payment_notes,
            "payment_mode": course.payment_mode,
            "min_age_weeks": course.min_age_weeks,
            "max_age_weeks": course.max_age_weeks,
            "cancellation_cutoff_hours": course.cancellation_cutoff_hours,
            "refund_percent": course.refund_percent,
            "late_refund_percent": course.late_refund_percent,
            "is_practicum": course.is_practicum,
        }


class CourseBuilderForm(CourseForm):
    """A new course: its details, then when it meets — the sessions are generated weekly from these."""

    first_date = date_field(_("Date of the first session"))
    first_time = forms.TimeField(
        label=_("Start time"),
        widget=TimeInput(),
        input_formats=["%H:%M", "%H:%M:%S"],
        help_text=_("Local time where the course meets."),
    )
    weeks = forms.IntegerField(
        label=_("Number of weekly sessions"),
        min_value=1,
        max_value=MAX_WEEKS,
        initial=5,
        help_text=_("The course repeats weekly on the same weekday, at the same local time."),
    )
    duration_minutes = forms.IntegerField(
        label=_("Length of each session (minutes)"), min_value=15, max_value=240, initial=75
    )

    def first_local(self) -> datetime:
        return datetime.combine(self.cleaned_data["first_date"], self.cleaned_data["first_time"])


class SessionTopicsForm(forms.Form):
    """The topic of every scheduled session of a course, in one form."""

    def __init__(self, *args, sessions: list[Session], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.all_sessions = sessions
        self.sessions = [session for session in sessions if session.status == Session.Status.SCHEDULED]
        for session in self.sessions:
            self.fields[f"topic_{session.pk}"] = forms.CharField(
                label=_("Week %(week)s") % {"week": session.week_number},
                max_length=200,
                required=False,
                initial=session.topic,
                help_text=_("Leave empty for the curriculum's topic: %(topic)s")
                % {"topic": topic_title(session.curriculum)},
            )

    def rows(self) -> list[tuple[Session, forms.BoundField | None]]:
        """Every session of the course in order, with its topic field when it can still change."""
        return [
            (session, self[f"topic_{session.pk}"] if f"topic_{session.pk}" in self.fields else None)
            for session in self.all_sessions
        ]

    def topics(self) -> dict[int, str]:
        return {session.pk: self.cleaned_data[f"topic_{session.pk}"] for session in self.sessions}


class MoveSessionForm(forms.Form):
    date = date_field(_("New date"))
    time = forms.TimeField(label=_("New start time"), widget=TimeInput(), input_formats=["%H:%M", "%H:%M:%S"])

    def __init__(self, *args, zone, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["time"].help_text = _("In the course's time zone, %(zone)s.") % {"zone": zone.key}

    def starts_at(self) -> datetime:
        return datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"]).replace(
            tzinfo=self.zone
        )

    @staticmethod
    def initial_for(session: Session) -> dict:
        local = session.starts_at.astimezone(session.course.zone)
        return {"date": local.date(), "time": local.time().replace(second=0, microsecond=0)}
