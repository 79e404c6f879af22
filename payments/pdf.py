"""A receipt or credit note as a one-page A4 PDF, in the payer's language, from what the document stored.

Real text (the amount, the number and the names can be searched and copied), black on white so that it
prints and photocopies well; laid out with reportlab, as the certificates are.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import HRFlowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from config.pdf_fonts import embedded_fonts
from payments.models import Payment, Receipt
from payments.money import format_money

INK = HexColor("#1f1a17")
MUTED = HexColor("#4a423c")
RULE = HexColor("#0e5a5a")


def _date(moment) -> str:
    return date_format(timezone.localtime(moment, timezone.get_default_timezone()).date(), "DATE_FORMAT")


def _facts(receipt: Receipt) -> list[tuple[str, str]]:
    """The document's rows, label and value, in the active language."""
    money = format_money(receipt.amount, receipt.currency, language=receipt.language)
    payer = receipt.payer_name or receipt.payer_email
    if receipt.payer_name and receipt.payer_email:
        payer = f"{receipt.payer_name} <{receipt.payer_email}>"
    method = str(Payment.Method(receipt.method).label) if receipt.method in Payment.Method.values else ""
    if not receipt.is_credit_note:
        return [
            (_("Receipt number"), receipt.number),
            (_("Date"), _date(receipt.issued_at)),
            (_("Received from"), payer),
            (_("For"), receipt.description),
            (_("Paid on"), _date(receipt.paid_at)),
            (_("Paid by"), method),
            (_("Amount paid"), money),
        ]
    facts = [
        (_("Credit note number"), receipt.number),
        (_("Date"), _date(receipt.issued_at)),
        (_("Issued to"), payer),
        (_("For"), receipt.description),
    ]
    if receipt.credits_id:
        facts.append((_("Takes back receipt"), receipt.credits.number))
    facts += [
        (_("Paid on"), _date(receipt.paid_at)),
        (_("Paid by"), method),
        (_("Reason"), str(receipt.get_reason_display())),
        (_("Amount refunded") if receipt.refund_id else _("Amount credited"), money),
    ]
    return facts


def render_receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt or credit note in its own language (receipt.language), as PDF bytes."""
    fonts = embedded_fonts()
    regular, bold = fonts["sans"], fonts["bold"]
    text = ParagraphStyle("text", fontName=regular, fontSize=10, leading=14, textColor=INK)
    muted = ParagraphStyle("muted", parent=text, fontSize=9, leading=12, textColor=MUTED)
    heading = ParagraphStyle("heading", parent=text, fontName=bold, fontSize=20, leading=26, spaceAfter=4)
    issuer = ParagraphStyle("issuer", parent=text, fontName=bold, fontSize=13, leading=17)
    label = ParagraphStyle("label", parent=muted, fontSize=10, leading=14)
    buffer = io.BytesIO()
    with translation.override(receipt.language):
        title = _("Credit note") if receipt.is_credit_note else _("Receipt")
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=20 * mm,
            rightMargin=20 * mm,
            topMargin=20 * mm,
            bottomMargin=20 * mm,
            title=f"{title} {receipt.number}",
            author=receipt.association_name,
            subject=receipt.description,
            creator="Nurturing Touch",
            lang=receipt.language,
        )
        association = [Paragraph(escape(receipt.association_name), issuer)]
        for line in (receipt.association_address, receipt.association_email):
            if line:
                association.append(Paragraph(escape(line), muted))
        if receipt.association_tax_id:
            association.append(
                Paragraph(escape(_("Tax id: %(id)s") % {"id": receipt.association_tax_id}), muted)
            )
        facts_shown = _facts(receipt)
        rows = [
            [Paragraph(escape(name), label), Paragraph(escape(value), text)]
            for name, value in facts_shown[:-1]
        ]
        # The amount, last, stands out: bold, below a rule.
        total_label, total = facts_shown[-1]
        rows.append(
            [Paragraph(f"<b>{escape(total_label)}</b>", text), Paragraph(f"<b>{escape(total)}</b>", text)]
        )
        facts = Table(rows, colWidths=[55 * mm, None], hAlign="LEFT")
        facts.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                    ("LINEABOVE", (0, -1), (-1, -1), 0.8, RULE),
                    ("TOPPADDING", (0, -1), (-1, -1), 8),
                ]
            )
        )
        if not receipt.is_credit_note:
            closing = _("Thank you. This receipt was issued electronically and needs no signature.")
        elif receipt.refund_id:
            closing = _("The amount above was refunded to the card it was paid with.")
        else:
            closing = _("The payment above was recorded in error and is cancelled by this credit note.")
        document.build(
            [
                *association,
                Spacer(1, 10 * mm),
                Paragraph(escape(f"{title} {receipt.number}"), heading),
                HRFlowable(width="100%", thickness=0.8, color=RULE, spaceAfter=6 * mm),
                facts,
                Spacer(1, 10 * mm),
                Paragraph(escape(closing), muted),
            ]
        )
    return buffer.getvalue()
