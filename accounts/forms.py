from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User, time_zone_choices


class SignupForm(forms.Form):
    """Extra fields on allauth's signup form (allauth calls ``signup`` after creating the user)."""

    full_name = forms.CharField(label=_("Your full name"), max_length=150)

    field_order = ["full_name", "email", "password1", "password2"]

    def signup(self, request, user: User) -> None:
        """allauth's adapter has already set full_name from cleaned_data; nothing else to store."""


class AccountSettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    class Meta:
        model = User
        fields = ["full_name", "preferred_language", "time_zone"]
