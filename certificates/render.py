"""Certificate and transcript PDFs (fpdf2), in any script, with a QR code to the verification page.

The date printed is the completion fact's timestamp in the site's time zone
(DESIGN.md, "Course completion": it never moves); the caller passes it in.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import segno
from fpdf import FPDF

from certificates.fonts import install_fonts

NAVY = (16, 42, 74)
GOLD = (176, 141, 62)
INK = (38, 38, 38)
MUTED = (105, 105, 105)
PAPER = (253, 251, 245)


@dataclass(frozen=True)
class CertificateData:
    """Everything a certificate shows; nothing is looked up while drawing."""

    site_name: str
    learner_name: str
    course_title: str
    completed_at: dt.datetime
    serial: str
    verify_url: str
    time_zone: str = "UTC"
    partner_name: str = ""
    runtime: str = ""
    credit_note: str = ""
    logo_svg: bytes | None = None


@dataclass(frozen=True)
class TranscriptLine:
    """One completion on a transcript."""

    course_title: str
    completed_at: dt.datetime
    serial: str = ""
    partner_name: str = ""
    status: str = "valid"


def local_date(moment: dt.datetime, time_zone: str) -> dt.date:
    """The calendar date of ``moment`` in the site's time zone."""
    return moment.astimezone(ZoneInfo(time_zone)).date()


def format_date(moment: dt.datetime, time_zone: str) -> str:
    """A completion date as people read it, e.g. "March 5, 2026"."""
    day = local_date(moment, time_zone)
    return f"{day:%B} {day.day}, {day.year}"


def group_serial(serial: str) -> str:
    """A serial in groups of four for reading aloud: ``7K3M-9QXD-...``."""
    return "-".join(serial[i : i + 4] for i in range(0, len(serial), 4))


class _Document(FPDF):
    """FPDF with the cached Noto fonts and no automatic page breaks."""

    def __init__(self, texts: Sequence[tuple[str, str]], orientation: str) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.set_auto_page_break(False)
        self.set_creator("Rollcall")
        install_fonts(self, texts)

    def centred(self, y: float, text: str, family: str, style: str, size: float, color: tuple[int, int, int]) -> None:
        """One centred line at height ``y``, shrunk to fit between the borders."""
        self.set_font(family, style, size)
        while size > 9 and self.get_string_width(text) > self.w - 70:
            size -= 1
            self.set_font(family, style, size)
        self.set_text_color(*color)
        self.set_xy(30, y)
        self.cell(self.w - 60, size * 0.45, text, align="C")

    def spaced_caps(self, y: float, text: str, size: float, color: tuple[int, int, int]) -> None:
        """A letter-spaced small-capitals line (labels, the site's name)."""
        self.set_font("sans", "B", size)
        self.set_char_spacing(size * 0.18)
        self.centred(y, text.upper(), "sans", "B", size, color)
        self.set_char_spacing(0)


def _frame(pdf: _Document) -> None:
    w, h = pdf.w, pdf.h
    pdf.set_fill_color(*PAPER)
    pdf.rect(0, 0, w, h, style="F")
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(2.2)
    pdf.rect(9, 9, w - 18, h - 18)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.5)
    pdf.rect(13.5, 13.5, w - 27, h - 27)
    pdf.set_line_width(0.25)
    pdf.rect(15, 15, w - 30, h - 30)
    pdf.set_fill_color(*GOLD)
    for x, y in ((13.5, 13.5), (w - 13.5, 13.5), (13.5, h - 13.5), (w - 13.5, h - 13.5)):
        pdf.polygon([(x, y - 3), (x + 3, y), (x, y + 3), (x - 3, y)], style="F")


def _logo(pdf: _Document, svg: bytes | None, cx: float, y: float, size: float) -> None:
    if svg:
        pdf.image(io.BytesIO(svg), x=cx - size / 2, y=y, w=size, h=size)
        return
    pdf.set_fill_color(*NAVY)
    pdf.rect(cx - size / 2, y, size, size, style="F", round_corners=True, corner_radius=size / 6)


def _seal(pdf: _Document, cx: float, cy: float) -> None:
    pdf.set_draw_color(*GOLD)
    pdf.set_fill_color(*GOLD)
    pdf.circle(cx, cy, 13, style="F")
    pdf.set_fill_color(*PAPER)
    pdf.circle(cx, cy, 11.6, style="F")
    pdf.set_line_width(0.4)
    pdf.circle(cx, cy, 10.4, style="D")
    pdf.set_fill_color(*GOLD)
    star = []
    import math

    for i in range(10):
        radius = 5.2 if i % 2 == 0 else 2.2
        angle = math.pi / 2 + i * math.pi / 5
        star.append((cx + radius * math.cos(angle), cy - radius * math.sin(angle)))
    pdf.polygon(star, style="F")


def _qr(pdf: _Document, url: str, x: float, y: float, size: float) -> None:
    """The verification URL as a QR code, drawn as vector runs (ISO/IEC 18004 via segno)."""
    code = segno.make(url, error="m", micro=False)
    rows = list(code.matrix_iter(scale=1, border=2))
    module = size / len(rows)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                pdf.rect(x + start * module, y + r * module, (c - start) * module + 0.01, module + 0.01, style="F")
            else:
                c += 1


def _details(data: CertificateData) -> str:
    parts = []
    if data.partner_name:
        parts.append(f"Provided by {data.partner_name}")
    if data.runtime:
        parts.append(data.runtime)
    return "  \u00b7  ".join(parts)


def _course_title(pdf: _Document, title: str, y: float) -> float:
    size = 24.0
    pdf.set_font("serif", "B", size)
    while size > 14 and pdf.get_string_width(title) > 2 * (pdf.w - 90):
        size -= 1
        pdf.set_font("serif", "B", size)
    pdf.set_text_color(*NAVY)
    pdf.set_xy(45, y)
    pdf.multi_cell(pdf.w - 90, size * 0.47, title, align="C", max_line_height=size * 0.47)
    return pdf.get_y()


def render_certificate(data: CertificateData) -> bytes:
    """The certificate as a landscape A4 PDF."""
    texts = [
        (data.site_name.upper(), "B"),
        (data.learner_name, ""),
        (data.course_title, "B"),
        (_details(data) + data.credit_note, ""),
    ]
    pdf = _Document(texts, "L")
    pdf.set_title(f"Certificate of completion: {data.course_title}")
    pdf.set_author(data.site_name)
    pdf.add_page()
    w, h = pdf.w, pdf.h
    _frame(pdf)
    _logo(pdf, data.logo_svg, w / 2, 22, 15)
    pdf.spaced_caps(41, data.site_name, 10, NAVY)
    pdf.centred(54, "Certificate of Completion", "serif", "B", 34, NAVY)
    pdf.centred(71, "This certifies that", "serif", "I", 13, MUTED)
    pdf.centred(81, data.learner_name, "serif", "", 34, INK)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.4)
    pdf.line(w / 2 - 75, 99, w / 2 + 75, 99)
    pdf.centred(105, "has successfully completed the course", "serif", "I", 13, MUTED)
    bottom = _course_title(pdf, data.course_title, 115)
    details = _details(data)
    if details:
        pdf.centred(bottom + 4, details, "sans", "", 11, INK)
        bottom += 8
    if data.credit_note:
        pdf.set_font("sans", "", 9)
        pdf.set_text_color(*MUTED)
        pdf.set_xy(60, bottom + 5)
        pdf.multi_cell(w - 120, 4.2, data.credit_note[:300], align="C")
    _footer(pdf, data)
    return bytes(pdf.output())


def _footer(pdf: _Document, data: CertificateData) -> None:
    w, h = pdf.w, pdf.h
    base = h - 50
    _label_over_rule(pdf, 44, base + 6, 70, format_date(data.completed_at, data.time_zone), "DATE OF COMPLETION")
    _label_over_rule(pdf, w - 119, base + 6, 70, group_serial(data.serial), "CERTIFICATE NUMBER", small=True)
    _seal(pdf, w / 2, base + 10)
    qr = 22
    _qr(pdf, data.verify_url, w - 23 - qr, base + 2, qr)
    pdf.set_font("sans", "", 7.5)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(40, h - 24)
    pdf.cell(w - 80, 4, f"Verify this certificate at {data.verify_url}", align="C", link=data.verify_url)


def _label_over_rule(
    pdf: _Document, x: float, y: float, width: float, value: str, label: str, *, small: bool = False
) -> None:
    """A value over a rule with a spaced label under it, as a signature line is laid out."""
    pdf.set_text_color(*INK)
    pdf.set_font("sans", "B", 10) if small else pdf.set_font("serif", "", 15)
    pdf.set_xy(x, y)
    pdf.cell(width, 8, value, align="C")
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(0.3)
    pdf.line(x + 2, y + 9, x + width - 2, y + 9)
    pdf.set_font("sans", "B", 7.5)
    pdf.set_char_spacing(1.2)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(x, y + 11)
    pdf.cell(width, 4, label, align="C")
    pdf.set_char_spacing(0)
