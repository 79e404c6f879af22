"""The certificate PDF as a reader, a search engine and a phone camera see it."""

from __future__ import annotations

import io
import statistics
import time

import pypdf
import pypdfium2
import pytest
import zxingcpp

from certification.models import Certificate
from certification.pdf import render_certificate_pdf
from certification.tests.factories import CertificateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(settings) -> Certificate:
    settings.SITE_URL = "https://nurturing-touch.example"
    return CertificateFactory(name_on_certificate="Łucja Núñez-O'Brien", number="IMC-2026-00042")


def read(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def test_pdf_text_holds_name_number_title_dates_issuer_and_url(certificate):
    reader = read(render_certificate_pdf(certificate))

    text = reader.pages[0].extract_text()
    assert "Łucja Núñez-O'Brien" in text
    assert "IMC-2026-00042" in text
    assert "Certified Infant Massage Instructor" in text
    assert "Nurturing Touch — Infant Massage Association" in text
    assert f"https://nurturing-touch.example/certificates/verify/{certificate.token}/" in text
    assert str(certificate.valid_until.year) in text


def test_qr_code_on_the_rendered_page_leads_to_the_verification_page(certificate):
    document = pypdfium2.PdfDocument(render_certificate_pdf(certificate))
    try:
        image = document[0].render(scale=150 / 72).to_pil()
    finally:
        document.close()

    decoded = [barcode.text for barcode in zxingcpp.read_barcodes(image)]

    assert decoded == [f"https://nurturing-touch.example/certificates/verify/{certificate.token}/"]


def test_pdf_is_one_a4_landscape_page_with_title_and_language_metadata(certificate):
    certificate.language = "es"
    reader = read(render_certificate_pdf(certificate))

    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    assert reader.metadata.title == "Instructor/a Certificado/a de Masaje Infantil — Łucja Núñez-O'Brien"
    assert reader.trailer["/Root"]["/Lang"] == "es"


def test_dates_are_written_in_the_certificates_language(certificate):
    certificate.language = "es"

    text = read(render_certificate_pdf(certificate)).pages[0].extract_text()

    assert f" de {certificate.valid_until.year}" in text


def test_render_takes_well_under_a_second(certificate):
    render_certificate_pdf(certificate)
    timings = []
    for _ in range(10):
        started = time.perf_counter()
        render_certificate_pdf(certificate)
        timings.append(time.perf_counter() - started)

    assert statistics.median(timings) < 0.5
