"""What an instructor took on their courses: the months with payments, and each month's statement as a
spreadsheet (CSV) for their accounts."""

from __future__ import annotations

import csv
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from classes.takings import monthly_statement, months_with_payments
from instructors.views.access import teaching_required
from instructors.views.spreadsheets import cell, csv_response
from payments.money import from_minor_units


@require_safe
@teaching_required
def payments(request):
    return render(request, "instructors/payments.html", {"months": months_with_payments(request.user)})


@require_safe
@login_required
def payments_statement(request, year: str, month: str):
    """One month of payments and refunds on the courses the person teaches. A month with none is not
    found, whoever asks: someone who teaches nothing (a parent) learns no more than another instructor."""
    statement = monthly_statement(request.user, date(int(year), int(month), 1))
    if not statement.lines:
        raise Http404
    response = csv_response(f"payments-{year}-{month}.csv")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Date"),
            _("Course"),
            _("Family"),
            _("What for"),
            _("Method"),
            _("Amount"),
            _("Currency"),
            _("Receipt"),
        ]
    )
    for line in statement.lines:
        writer.writerow(
            [
                line.day.isoformat(),
                cell(line.course.title),
                cell(line.family),
                cell(line.description),
                line.method,
                # A number the spreadsheet adds up: never quoted as text, a refund below zero.
                from_minor_units(line.amount, line.currency),
                line.currency,
                line.receipt,
            ]
        )
    writer.writerow([])
    labels = {"collected": _("Total collected"), "refunded": _("Total refunded"), "net": _("Net")}
    for currency, totals in statement.totals().items():
        for name, label in labels.items():
            amount = -totals[name] if name == "refunded" else totals[name]
            writer.writerow([label, "", "", "", "", from_minor_units(amount, currency), currency, ""])
    return response
