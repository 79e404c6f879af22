from __future__ import annotations

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import Background


class ApplicationForm(forms.Form):
    background = forms.ChoiceField(
        label=_("Your professional background"),
        choices=[("", _("Choose one")), *Background.choices],
    )
    background_other = forms.CharField(
        label=_("If other, which?"),
        max_length=50,
        required=False,
        help_text=_("For example: paediatric occupational therapist."),
    )
    experience = forms.CharField(
        label=_("Your experience with babies and families"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Where you work or have worked with parents and babies, and for how long."),
    )
    motivation = forms.CharField(
        label=_("Why do you want to teach infant massage?"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("background") == Background.OTHER and not cleaned.get("background_other", "").strip():
            self.add_error("background_other", _("Tell us your profession."))
        return cleaned

    def background_text(self) -> str:
        """The background as staff read it in admin: its English name (and what "other" is)."""
        other = self.cleaned_data.get("background_other", "").strip()
        background = Background(self.cleaned_data["background"])
        with translation.override("en"):
            name = str(background.label)
        return f"Other: {other}" if background == Background.OTHER and other else name


class CertificateLookupForm(forms.Form):
    number = forms.CharField(
        label=_("Certificate number"),
        max_length=20,
        help_text=_("As printed on the certificate, for example IMC-2026-00042."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    surname = forms.CharField(
        label=_("Holder's surname"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


# A baked badge of ours is well under 100 KB; a credential, a few KB.
MAX_BADGE_IMAGE_BYTES = 1024 * 1024
MAX_CREDENTIAL_CHARACTERS = 64 * 1024


class CredentialCheckForm(forms.Form):
    """/certificates/check/: a pasted credential or an uploaded badge image, exactly one of the two."""

    credential = forms.CharField(
        label=_("Paste a credential"),
        required=False,
        strip=True,
        help_text=_("The contents of a credential.jwt or credential.json file (a long line of text)."),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
    )
    image = forms.FileField(
        label=_("Or upload a badge image"),
        required=False,
        help_text=_("A badge image (PNG) with the credential inside, up to 1 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png"}),
    )

    def clean_credential(self) -> str:
        text = self.cleaned_data["credential"]
        if len(text) > MAX_CREDENTIAL_CHARACTERS:
            raise forms.ValidationError(
                _("This is far longer than any credential; paste only the contents of the credential file.")
            )
        return text

    def clean_image(self):
        image = self.cleaned_data["image"]
        if image and image.size > MAX_BADGE_IMAGE_BYTES:
            raise forms.ValidationError(_("This file is larger than 1 MB; a badge image is much smaller."))
        return image

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        if data.get("credential") and data.get("image"):
            raise forms.ValidationError(_("Paste a credential or upload an image, not both."))
        if not data.get("credential") and not data.get("image"):
            self.add_error("credential", _("Paste a credential, or upload a badge image below."))
        return data


# The lifecycle forms are admin pages: admin's own field classes size them.
ADMIN_TEXTAREA = {"rows": 3, "class": "vLargeTextField"}


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Internal reason"),
        widget=forms.Textarea(attrs=ADMIN_TEXTAREA),
        help_text=_("Kept for staff only; never shown on the verification page or to the public."),
    )
    public_statement = forms.CharField(
        label=_("Public statement"),
        widget=forms.Textarea(attrs=ADMIN_TEXTAREA),
        help_text=_("Shown on the public verification page and emailed to the holder."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs=ADMIN_TEXTAREA))


class CorrectNameForm(forms.Form):
    name = forms.CharField(
        label=_("Name as it should be printed"),
        max_length=150,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs=ADMIN_TEXTAREA),
        help_text=_("For example: the holder asked for their accents to be printed."),
    )
