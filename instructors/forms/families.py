"""The register, the paid mark, refunds for a cancelled session and messages to families."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from classes.models import Attendance
from payments.models import Payment
from payments.money import decimals, format_money, from_minor_units, to_minor_units


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
    """The roster's paid mark: paid (in cash or by transfer, the button pressed) or not paid (Undo)."""

    paid = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1")
    method = forms.ChoiceField(
        choices=[
            (Payment.Method.CASH, Payment.Method.CASH),
            (Payment.Method.TRANSFER, Payment.Method.TRANSFER),
        ],
        required=False,
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("paid") and not cleaned.get("method"):
            self.add_error("method", _("Choose cash or bank transfer."))
        return cleaned


class SessionRefundForm(forms.Form):
    """An amount to give back for a cancelled session, in the course's currency's major unit (as prices
    are typed); ``most`` (minor units) is what is left to refund, when one family is refunded."""

    amount = forms.DecimalField(
        max_digits=12,
        decimal_places=3,
        error_messages={"invalid": _("Enter an amount, such as 18.50.")},
    )

    def __init__(self, *args, currency: str, label: str, most: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.most = most
        self.fields["amount"].label = label

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if amount <= 0:
            raise forms.ValidationError(_("Enter an amount of more than nothing."))
        minor = to_minor_units(amount, self.currency)
        if from_minor_units(minor, self.currency) != amount:
            raise forms.ValidationError(
                _("%(currency)s amounts have at most %(places)s decimal places.")
                % {"currency": self.currency, "places": decimals(self.currency)}
            )
        if self.most is not None and minor > self.most:
            raise forms.ValidationError(
                _("Only %(left)s is left to refund.") % {"left": format_money(self.most, self.currency)}
            )
        return amount

    def minor_amount(self) -> int:
        return to_minor_units(self.cleaned_data["amount"], self.currency)

    @staticmethod
    def initial_for(amount: int, currency: str) -> dict:
        return {"amount": from_minor_units(amount, currency)}


class MessageForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=150)
    body = forms.CharField(label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8}))
