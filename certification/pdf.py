"""The certificate as a one-page A4 landscape PDF: real text, a vector QR code, metadata in its language.

Everything that carries meaning is black text on white (the QR included), so it prints and photocopies
well in black and white; the teal rules are decoration only.
"""

from __future__ import annotations

import io

import segno
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from certification.emails import ISSUING_BODY, verification_url
from certification.models import CERTIFICATE_TITLE, Certificate
from config.pdf_fonts import embedded_fonts

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
MARGIN = 28
TEAL = HexColor("#0e5a5a")
INK = HexColor("#1f1a17")
MUTED = HexColor("#4a423c")


def _fit(text: str, font: str, size: float, width: float, smallest: float) -> float:
    """The largest size up to `size` at which `text` fits `width` (never below `smallest`)."""
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 1
    return size


def _centred(canvas: Canvas, text: str, font: str, size: float, y: float, *, colour=INK) -> None:
    canvas.setFillColor(colour)
    canvas.setFont(font, size)
    canvas.drawCentredString(PAGE_WIDTH / 2, y, text)


def _qr(canvas: Canvas, url: str, *, x: float, y: float, size: float) -> None:
    """The QR code as black vector rectangles (one per run of dark modules) on a white quiet zone."""
    code = segno.make(url, error="m", micro=False)
    matrix = code.matrix
    modules = len(matrix)
    quiet = 4
    module = size / (modules + 2 * quiet)
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(black)
    for row_index, row in enumerate(matrix):
        top = y + size - (quiet + row_index + 1) * module
        column = 0
        while column < modules:
            if row[column]:
                start = column
                while column < modules and row[column]:
                    column += 1
                canvas.rect(
                    x + (quiet + start) * module, top, (column - start) * module, module, stroke=0, fill=1
                )
            else:
                column += 1


def _fact(canvas: Canvas, fonts: dict[str, str], label: str, value: str, *, x: float, y: float) -> None:
    canvas.setFillColor(MUTED)
    canvas.setFont(fonts["sans"], 9.5)
    canvas.drawString(x, y + 15, label)
    canvas.setFillColor(INK)
    canvas.setFont(fonts["bold"], 13)
    canvas.drawString(x, y, value)


def render_certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate in its own language (certificate.language), as PDF bytes."""
    fonts = embedded_fonts()
    url = verification_url(certificate)
    buffer = io.BytesIO()
    with translation.override(certificate.language):
        title = str(CERTIFICATE_TITLE)
        name = certificate.name_on_certificate
        issued = date_format(timezone.localtime(certificate.issued_at).date(), "DATE_FORMAT")
        valid_until = date_format(timezone.localtime(certificate.valid_until).date(), "DATE_FORMAT")
        canvas = Canvas(
            buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), lang=certificate.language, pageCompression=1
        )
        canvas.setTitle(f"{title} — {name}")
        canvas.setAuthor(ISSUING_BODY)
        canvas.setSubject(_("Certificate %(number)s") % {"number": certificate.number})
        canvas.setCreator("Nurturing Touch")

        # A double rule: decoration, and a frame that survives photocopying.
        canvas.setStrokeColor(TEAL)
        canvas.setLineWidth(3)
        canvas.rect(MARGIN, MARGIN, PAGE_WIDTH - 2 * MARGIN, PAGE_HEIGHT - 2 * MARGIN)
        canvas.setLineWidth(0.8)
        canvas.rect(MARGIN + 7, MARGIN + 7, PAGE_WIDTH - 2 * MARGIN - 14, PAGE_HEIGHT - 2 * MARGIN - 14)

        _centred(canvas, ISSUING_BODY, fonts["bold"], 15, PAGE_HEIGHT - 92, colour=TEAL)
        canvas.setStrokeColor(TEAL)
        canvas.setLineWidth(0.8)
        canvas.line(PAGE_WIDTH / 2 - 60, PAGE_HEIGHT - 106, PAGE_WIDTH / 2 + 60, PAGE_HEIGHT - 106)
        _centred(canvas, _("This certifies that"), fonts["sans"], 14, PAGE_HEIGHT - 150, colour=MUTED)
        text_width = PAGE_WIDTH - 2 * (MARGIN + 60)
        name_size = _fit(name, fonts["display"], 38, text_width, 18)
        _centred(canvas, name, fonts["display"], name_size, PAGE_HEIGHT - 200)
        _centred(canvas, _("is a"), fonts["sans"], 14, PAGE_HEIGHT - 240, colour=MUTED)
        title_size = _fit(title, fonts["bold"], 28, text_width, 16)
        _centred(canvas, title, fonts["bold"], title_size, PAGE_HEIGHT - 282)
        statement = _(
            "having completed the association's instructor training, a practicum with families "
            "and the written examination."
        )
        statement_size = _fit(statement, fonts["sans"], 12, text_width, 8)
        _centred(canvas, statement, fonts["sans"], statement_size, PAGE_HEIGHT - 314, colour=MUTED)

        left = MARGIN + 50
        _fact(canvas, fonts, _("Certificate number"), certificate.number, x=left, y=176)
        _fact(canvas, fonts, _("Issued"), issued, x=left, y=132)
        _fact(canvas, fonts, _("Valid until"), valid_until, x=left, y=88)

        qr_size = 128
        qr_x = PAGE_WIDTH - MARGIN - 40 - qr_size
        _qr(canvas, url, x=qr_x, y=72, size=qr_size)
        canvas.setFillColor(MUTED)
        canvas.setFont(fonts["sans"], 9)
        # One sentence for the translator, printed as two lines beside the QR code.
        scan_lines = _("Scan to check that\nthis certificate is current.").split("\n")
        for index, line in enumerate(scan_lines[:2]):
            canvas.drawRightString(qr_x - 10, 150 - 12 * index, line)

        canvas.setFont(fonts["sans"], 8.5)
        footer = _("Verify at %(url)s") % {"url": url}
        footer_size = _fit(footer, fonts["sans"], 9, PAGE_WIDTH - 2 * (MARGIN + 20), 6)
        _centred(canvas, footer, fonts["sans"], footer_size, MARGIN + 20, colour=INK)
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()
