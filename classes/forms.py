"""Forms for the parent's pages: the catalog filters, a baby's profile, the booking choice and the
evaluation of a course."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from classes.models import EVALUATION_TEXT_MAX_LENGTH, RATING_FIELDS, TEACHING_LANGUAGES, Course, Evaluation
from classes.places import DEFAULT_RADIUS_KM, RADII_KM, Place, find_place, suggest_places

DATE_FORMAT_MESSAGE = _("Enter a date like 2026-05-31.")

# Courses take babies until they crawl; a date of birth further back than this is a typing mistake.
OLDEST_BABY = timedelta(days=2 * 365 + 1)
# How far from today the catalog's start dates may be.
FARTHEST_START = timedelta(days=3 * 366)


class DateInput(forms.DateInput):
    """The browser's own date picker; it submits ISO dates, which every locale's field also accepts."""

    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=DateInput(),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": DATE_FORMAT_MESSAGE},
        **kwargs,
    )


class NearFilterForm(forms.Form):
    """A place and a radius, for lists that can be read nearest first (the catalog, the directory):
    `place` is the place the gazetteer found (classes.places), `suggestions` the closest names when it
    found none."""

    near = forms.CharField(
        label=_("Near (town or city)"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2", "type": "search"}),
    )
    within = forms.TypedChoiceField(
        label=_("Within"),
        coerce=int,
        required=False,
        empty_value=DEFAULT_RADIUS_KM,
    )

    def __init__(self, *args, prefer_countries: Iterable[str] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.prefer_countries = prefer_countries
        self.place: Place | None = None
        self.suggestions: list[Place] = []
        self.fields["within"].choices = [(radius, _("%(km)s km") % {"km": radius}) for radius in RADII_KM]

    def clean_near(self) -> str:
        """The place, as the gazetteer names it (classes.places); an unknown one is an error that offers
        the places with the closest names."""
        near = " ".join(self.cleaned_data["near"].split())
        if not near:
            return ""
        self.place = find_place(near, prefer=self.prefer_countries)
        if self.place is None:
            self.suggestions = suggest_places(near)
            if self.suggestions:
                raise forms.ValidationError(
                    _("We don't know a place called “%(place)s”. Did you mean %(suggestions)s?")
                    % {
                        "place": near,
                        "suggestions": _(" or ").join(f"“{place.label}”" for place in self.suggestions[:3]),
                    }
                )
            raise forms.ValidationError(
                _("We don't know a place called “%(place)s”. Try the nearest town or city.") % {"place": near}
            )
        return near

    def place_filters(self) -> dict:
        """{"near": the place, "within": km} when a place was found, else nothing."""
        if self.place is None or not getattr(self, "cleaned_data", {}).get("near"):
            return {}
        return {"near": self.place, "within": self.cleaned_data.get("within") or DEFAULT_RADIUS_KM}


class CatalogFilterForm(NearFilterForm):
    """The catalog's GET filters. Every field is optional; a bad value is reported next to its field and
    that filter alone is left out."""

    FORMAT_CHOICES = [
        ("", _("In person and online")),
        (Course.Format.VENUE, _("In person only")),
        (Course.Format.ONLINE, _("Online only")),
    ]

    city = forms.CharField(
        label=_("Town or city"),
        max_length=100,
        required=False,
        help_text=_("Online courses are listed too, unless you choose “In person only”."),
        widget=forms.TextInput(attrs={"autocomplete": "address-level2", "type": "search"}),
    )
    format = forms.ChoiceField(label=_("In person or online"), choices=FORMAT_CHOICES, required=False)
    language = forms.ChoiceField(label=_("Taught in"), required=False)
    starts_from = date_field(_("Starting from"), required=False)
    starts_to = date_field(_("Starting by"), required=False)
    baby_born = date_field(
        _("Your baby's date of birth"),
        required=False,
        help_text=_("Shows only the courses whose age range fits your baby at the first session."),
    )

    def __init__(
        self, *args, languages: list[str], today: date, prefer_countries: Iterable[str] = (), **kwargs
    ) -> None:
        super().__init__(*args, prefer_countries=prefer_countries, **kwargs)
        self.today = today
        self.fields["near"].help_text = _(
            "Courses nearest first. Online courses are listed too, unless you choose “In person only”."
        )
        names = dict(TEACHING_LANGUAGES)
        self.fields["language"].choices = [
            ("", _("Any language")),
            *sorted(((code, _(names.get(code, code))) for code in languages), key=lambda pair: str(pair[1])),
        ]

    def clean_city(self) -> str:
        return " ".join(self.cleaned_data["city"].split())

    def _within_reach(self, day: date | None) -> date | None:
        """Courses are published at most a few years ahead; a date far off is a typing mistake (and one at
        the end of the calendar has no next day to count to)."""
        if day is not None and not (self.today - FARTHEST_START <= day <= self.today + FARTHEST_START):
            raise forms.ValidationError(_("Choose a date within three years of today."))
        return day

    def clean_starts_from(self) -> date | None:
        return self._within_reach(self.cleaned_data["starts_from"])

    def clean_starts_to(self) -> date | None:
        return self._within_reach(self.cleaned_data["starts_to"])

    def clean_baby_born(self) -> date | None:
        born = self.cleaned_data["baby_born"]
        if born is not None and born < self.today - OLDEST_BABY:
            raise forms.ValidationError(
                _(
                    "That is more than two years ago. Courses are for babies until they crawl: "
                    "please check the date."
                )
            )
        if born is not None and born > self.today + timedelta(days=300):
            raise forms.ValidationError(
                _("That date is too far ahead. For a baby on the way, enter the due date.")
            )
        return born

    def clean(self) -> dict:
        cleaned = super().clean()
        starts_from, starts_to = cleaned.get("starts_from"), cleaned.get("starts_to")
        if starts_from and starts_to and starts_to < starts_from:
            self.add_error("starts_to", _("This date is before the “Starting from” date."))
        return cleaned

    def summary(self) -> list[str]:
        """The filters in force, in words, for the collapsed filter box."""
        active = self.filters()
        words = []
        if self.place is not None and "near" in active:
            words.append(
                _("Within %(km)s km of %(place)s") % {"km": active["within"], "place": self.place.label}
            )
        city, where = active.get("city"), active.get("format")
        if city and where == Course.Format.VENUE:
            words.append(_("In “%(city)s”") % {"city": city})
        elif city and where == Course.Format.ONLINE:
            words.append(_("Online only"))
        elif city:
            words.append(_("In “%(city)s” or online") % {"city": city})
        elif where:
            words.append(dict(self.FORMAT_CHOICES)[where])
        if "language" in active:
            words.append(
                _("Taught in %(language)s")
                % {"language": dict(self.fields["language"].choices)[active["language"]]}
            )
        for name, phrase in (
            ("starts_from", _("Starting from %(date)s")),
            ("starts_to", _("Starting by %(date)s")),
            ("baby_born", _("Fits a baby born on %(date)s")),
        ):
            if name in active:
                words.append(phrase % {"date": date_format(active[name], "DATE_FORMAT")})
        return [str(word) for word in words]

    def filters(self) -> dict:
        """The filters that are valid, ready for ``classes.selectors.catalog_course_ids``."""
        cleaned = getattr(self, "cleaned_data", {})
        active = {
            name: cleaned[name]
            for name in self.fields
            if cleaned.get(name) and name not in ("near", "within")
        }
        return {**active, **self.place_filters()}


class BabyForm(forms.Form):
    """A baby's profile. Notes for the instructor need the parent's consent, which names who sees them."""

    first_name = forms.CharField(label=_("First name"), max_length=60, widget=forms.TextInput())
    date_of_birth = date_field(_("Date of birth"))
    notes = forms.CharField(
        label=_("Notes for the instructor (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Anything that helps the instructor welcome your baby, such as being born early or a health "
            "condition. Only shared if you tick the box below."
        ),
    )
    notes_consent = forms.BooleanField(required=False)

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["notes_consent"].label = _(
            "Share these notes with the instructors of the courses I book for this baby. Nobody else sees "
            "them, and they are erased %(days)s days after the course ends."
        ) % {"days": settings.BABY_NOTES_RETENTION_DAYS}

    def clean_first_name(self) -> str:
        name = " ".join(self.cleaned_data["first_name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your baby's first name."))
        return name

    def clean_date_of_birth(self) -> date:
        born = self.cleaned_data["date_of_birth"]
        if born > self.today:
            raise forms.ValidationError(
                _("The date of birth cannot be in the future. Add your baby once they are born.")
            )
        if born < self.today - OLDEST_BABY:
            raise forms.ValidationError(
                _(
                    "That is more than two years ago. Courses are for babies until they crawl: "
                    "please check the date."
                )
            )
        return born

    def clean_notes(self) -> str:
        return self.cleaned_data["notes"].strip()

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("notes") and not cleaned.get("notes_consent"):
            self.add_error("notes_consent", _("Tick the box to share these notes, or leave them empty."))
        return cleaned


class BookingForm(forms.Form):
    """Which baby to book. The view loads the baby among the parent's own, so someone else's is a 404."""

    baby = forms.IntegerField(min_value=1, error_messages={"required": _("Choose which baby to book for.")})
    # What the button said when the page was drawn ("book" or "waitlist"), so that a course that filled up
    # meanwhile can be explained.
    expected = forms.CharField(required=False, max_length=10, widget=forms.HiddenInput)


def _rating_field(label) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[(score, str(score)) for score in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "rating-scale"}),
        help_text=_("From 1 (not at all) to 5 (very much)."),
        error_messages={"required": _("Choose a number from 1 to 5.")},
    )


class EvaluationForm(forms.Form):
    """A family's evaluation of a course: four numbers, how often they massage at home, two optional
    comments. Nothing in it asks for a name."""

    teaching_rating = _rating_field(_("Did the instructor show the strokes clearly?"))
    confidence_rating = _rating_field(_("Do you feel confident massaging your baby now?"))
    group_rating = _rating_field(_("Did the group and the place (or the online setting) suit you?"))
    recommend_rating = _rating_field(_("Would you recommend the course to another family?"))
    home_practice = forms.ChoiceField(
        label=_("How often do you massage your baby at home?"),
        choices=Evaluation.HomePractice.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how often you massage at home.")},
    )
    gained = forms.CharField(
        label=_("What did you and your baby get from the course?"),
        required=False,
        max_length=EVALUATION_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional. Your instructor reads it without your name."),
    )
    to_improve = forms.CharField(
        label=_("What could be better?"),
        required=False,
        max_length=EVALUATION_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional. Your instructor reads it without your name."),
    )

    def ratings(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name in RATING_FIELDS}
