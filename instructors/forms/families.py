"""The register, the paid mark and messages to families."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from classes.models import Attendance


class RegisterForm(forms.Form):
    """Present or absent for each family with a confirmed place, one radio group each."""

    def __init__(self, *args, lines, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            booking = line.row.booking
            if booking.baby_id is None or booking.parent_id is None:
                label = _("Deleted family")
            else:
                label = _("%(baby)s, with %(parent)s") % {
                    "baby": booking.baby.first_name,
                    "parent": booking.parent.get_full_name(),
                }
            self.fields[f"booking_{booking.pk}"] = forms.ChoiceField(
                label=label,
                choices=Attendance.Status.choices,
                widget=forms.RadioSelect,
                required=False,
                initial=line.status or None,
            )

    def marks(self) -> dict[int, str]:
        return {
            line.row.booking.pk: self.cleaned_data[f"booking_{line.row.booking.pk}"]
            for line in self.lines
            if self.cleaned_data.get(f"booking_{line.row.booking.pk}")
        }


class PaidForm(forms.Form):
    paid = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1")


class MessageForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=150)
    body = forms.CharField(label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8}))
