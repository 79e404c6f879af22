"""The instructor's profile (with a photo checked by Pillow) and the directory's filters."""

from __future__ import annotations

import warnings

from django import forms
from django.conf import global_settings
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from PIL import Image, UnidentifiedImageError

from classes.forms import NearFilterForm
from instructors.forms.common import language_choices
from instructors.models import Background, InstructorProfile

MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}


def check_photo(upload) -> None:
    """Refuse what is not a JPEG, PNG or WebP photo we can safely open: too many bytes, an unreadable
    file, or a decompression bomb (a small file that unpacks to an enormous image)."""
    if upload.size > MAX_PHOTO_BYTES:
        raise forms.ValidationError(
            _("This photo is %(size)s MB. Please choose one under 5 MB."),
            params={"size": f"{upload.size / 1024 / 1024:.1f}"},
            code="too_big",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                image_format = image.format
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise forms.ValidationError(
            _("This image has too many pixels to process safely. Please choose a smaller photo."),
            code="bomb",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise forms.ValidationError(
            _("This file is not a photo we can read. Please choose a JPEG, PNG or WebP image."),
            code="unreadable",
        ) from None
    finally:
        upload.seek(0)
    if image_format not in PHOTO_FORMATS:
        raise forms.ValidationError(
            _("Please choose a JPEG, PNG or WebP image."),
            code="format",
        )


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=120,
        help_text=_("How families see you in the directory and on your courses."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("A friendly photo of you: JPEG, PNG or WebP, under 5 MB. We resize it to 800 pixels."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_photo = forms.BooleanField(label=_("Remove my current photo"), required=False)
    bio = forms.CharField(
        label=_("About you"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Your background, why you teach infant massage, what families can expect."),
    )
    backgrounds = forms.MultipleChoiceField(
        label=_("Professional background"),
        required=False,
        choices=Background.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose all that apply."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you teach in"),
        required=False,
        choices=language_choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "scroll-choices"}),
    )
    city = forms.CharField(
        label=_("Town or city"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    country = forms.ChoiceField(
        label=_("Country"),
        required=False,
        choices=lambda: [("", _("Choose a country")), *countries],
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )
    offers_private_sessions = forms.BooleanField(
        label=_("I also teach families privately at home"), required=False
    )
    notice_preference = forms.ChoiceField(
        label=_("Booking notices"),
        choices=InstructorProfile.NoticePreference.choices,
        widget=forms.RadioSelect,
        initial=InstructorProfile.NoticePreference.EACH,
    )
    is_public = forms.BooleanField(
        label=_("Show my profile in the directory (while my certificate is active)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, has_photo: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not has_photo:
            del self.fields["remove_photo"]

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError(_("Enter the name families will see."))
        return name

    def clean_city(self) -> str:
        return " ".join(self.cleaned_data["city"].split())

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if upload:
            check_photo(upload)
        return upload or None

    @staticmethod
    def initial_for(profile: InstructorProfile | None, user) -> dict:
        if profile is None:
            return {"display_name": user.full_name, "is_public": True}
        return {
            "display_name": profile.display_name,
            "bio": profile.bio,
            "backgrounds": [b.background for b in profile.backgrounds.all()],
            "languages": [language.language for language in profile.languages.all()],
            "city": profile.city,
            "country": profile.country.code if profile.country else "",
            "offers_private_sessions": profile.offers_private_sessions,
            "notice_preference": profile.notice_preference,
            "is_public": profile.is_public,
        }


class DirectoryFilterForm(NearFilterForm):
    """The directory's GET filters; every field optional, a bad value simply leaves that filter out."""

    q = forms.CharField(
        label=_("Name or town"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    city = forms.CharField(label=_("Town or city"), max_length=100, required=False)
    language = forms.ChoiceField(label=_("Teaches in"), required=False)
    background = forms.ChoiceField(
        label=_("Professional background"),
        required=False,
        choices=[("", _("Any background")), *Background.choices],
    )

    def __init__(self, *args, countries_listed: list[str], languages_listed: list[str], **kwargs) -> None:
        super().__init__(*args, prefer_countries=countries_listed, **kwargs)
        self.fields["near"].help_text = _("Instructors nearest first.")
        self.fields["country"].choices = [
            ("", _("Any country")),
            *sorted(((code, countries.name(code)) for code in countries_listed), key=lambda pair: pair[1]),
        ]
        names = dict(global_settings.LANGUAGES)
        self.fields["language"].choices = [
            ("", _("Any language")),
            *sorted(((code, str(_(names.get(code, code)))) for code in languages_listed), key=lambda p: p[1]),
        ]

    def filters(self) -> dict:
        cleaned = getattr(self, "cleaned_data", {})
        typed = {
            name: " ".join(str(cleaned[name]).split())
            for name in ("q", "country", "city", "language", "background")
            if cleaned.get(name)
        }
        return {**typed, **self.place_filters()}
