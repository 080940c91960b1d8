"""Certificates in every script: extracted text, embedded glyphs, the QR code, the date in the site's zone."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from fontTools.ttLib import TTFont
from PIL import Image
from pypdf import PdfReader

from certificates.render import CertificateData, format_date, group_serial, render_certificate
from certificates.services import new_serial, normalize_serial

NAMES = ["Zoë Ångström-Núñez", "Анна Каренина", "Αλέξανδρος", "محمد عبد الله", "דוד לוי", "王小明", "山田太郎", "김민준"]
URL = "http://localhost/certificates/"


def _data(name: str, serial: str) -> CertificateData:
    return CertificateData(
        site_name="Rollcall Training Portal",
        learner_name=name,
        course_title="Community Policing: Building Trust",
        completed_at=dt.datetime(2026, 3, 5, 23, 30, tzinfo=dt.UTC),
        serial=serial,
        verify_url=URL + serial,
        time_zone="America/New_York",
        partner_name="Institute for Community Safety",
        runtime="2 hours 30 minutes",
    )


def _embedded_codepoints(pdf: bytes) -> set[int]:
    """Every code point some embedded font subset maps to a glyph (through fontTools)."""
    found: set[int] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            to_unicode = font.get("/ToUnicode")
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"]
            stream = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            if stream is None or to_unicode is None:
                continue
            data = stream.get_object().get_data()
            if descriptor.get("/FontFile2") is not None:
                assert TTFont(io.BytesIO(data)).getGlyphOrder()  # a real TrueType subset
            text = to_unicode.get_object().get_data().decode("latin-1")
            for hexes in __import__("re").findall(r"<[0-9A-F]+>\s*<([0-9A-F]+)>", text):
                raw = bytes.fromhex(hexes).decode("utf-16-be")
                found.update(ord(ch) for ch in raw)
    return found


@pytest.mark.parametrize("name", NAMES)
def test_a_name_in_any_script_is_extracted_embedded_and_drawn(name: str, tmp_path: Path) -> None:
    serial = new_serial()
    pdf = render_certificate(_data(name, serial))
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    flat = " ".join(text.split())
    assert name in flat or name[::-1] in flat or all(ch in flat for ch in name)
    assert group_serial(serial) in flat and "March 5, 2026" in flat
    missing = {ch for ch in name if not ch.isspace() and ord(ch) not in _embedded_codepoints(pdf)}
    assert not missing, missing
    (tmp_path / "c.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(tmp_path / "c.pdf"), str(tmp_path / "c")], check=True)
    image = Image.open(tmp_path / "c.png")
    decoded = zxingcpp.read_barcodes(image)
    assert [code.text for code in decoded] == [URL + serial]


def test_the_date_is_the_facts_date_in_the_sites_time_zone() -> None:
    moment = dt.datetime(2026, 3, 6, 2, 30, tzinfo=dt.UTC)
    assert format_date(moment, "UTC") == "March 6, 2026"
    assert format_date(moment, "America/New_York") == "March 5, 2026"


def test_serials_are_128_random_bits_and_typing_mistakes_are_forgiven() -> None:
    serials = {new_serial() for _ in range(1000)}
    assert len(serials) == 1000 and all(len(s) == 26 for s in serials)
    serial = next(iter(serials))
    assert normalize_serial(group_serial(serial).lower()) == serial
    assert normalize_serial("not a number") is None
