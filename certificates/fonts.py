"""Noto fonts for certificates, parsed once per process and handed to each new PDF.

fpdf2 parses a font's cmap and metrics on every ``add_font`` (tens of milliseconds,
more for the CJK collections) and subsets the parsed font in place when it writes
the PDF. So the parsed metrics are kept here once per process, and each document
gets a light copy with a fresh, lazily read fontTools object and an empty subset.
A document only gets the fallback fonts its texts need, so a Latin certificate
never opens the 20 MB CJK collections.
"""

from __future__ import annotations

import copy
import os
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fontTools import ttLib
from fpdf.fonts import SubsetMap, TTFFont

if TYPE_CHECKING:
    from fpdf import FPDF

#: Debian's fonts-noto-core and fonts-noto-cjk (scripts/setup installs them); ROLLCALL_FONT_DIR overrides.
NOTO_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto"))


@dataclass(frozen=True)
class FontFace:
    """One face: a family name for fpdf2, a style, a file and its index in a collection."""

    family: str
    style: str
    filename: str
    index: int = 0


#: Faces the certificate uses directly: a display serif for names and titles, a sans for the small print.
MAIN_FACES = (
    FontFace("serif", "", "NotoSerif-Regular.ttf"),
    FontFace("serif", "B", "NotoSerif-Bold.ttf"),
    FontFace("serif", "I", "NotoSerif-Italic.ttf"),
    FontFace("sans", "", "NotoSans-Regular.ttf"),
    FontFace("sans", "B", "NotoSans-Bold.ttf"),
)
#: Fallbacks in the order they are tried; the CJK faces pick the regional forms of Han by their index.
FALLBACK_FACES = (
    FontFace("arabic", "", "NotoNaskhArabic-Regular.ttf"),
    FontFace("arabic", "B", "NotoNaskhArabic-Bold.ttf"),
    FontFace("hebrew", "", "NotoSerifHebrew-Regular.ttf"),
    FontFace("hebrew", "B", "NotoSerifHebrew-Bold.ttf"),
    FontFace("cjk", "", "NotoSerifCJK-Regular.ttc", 2),  # SC
    FontFace("cjk", "B", "NotoSerifCJK-Bold.ttc", 2),
    FontFace("cjkjp", "", "NotoSerifCJK-Regular.ttc", 0),  # JP: kana, Japanese Han forms
    FontFace("cjkjp", "B", "NotoSerifCJK-Bold.ttc", 0),
    FontFace("cjkkr", "", "NotoSerifCJK-Regular.ttc", 1),  # KR: Hangul
    FontFace("cjkkr", "B", "NotoSerifCJK-Bold.ttc", 1),
)


class MissingFont(RuntimeError):
    """A Noto font file is not installed (run scripts/setup)."""


def font_path(filename: str) -> Path:
    """Where a Noto font file is on this machine."""
    extra = os.environ.get("ROLLCALL_FONT_DIR")
    for folder in ((Path(extra),) if extra else ()) + NOTO_DIRS:
        if (folder / filename).is_file():
            return folder / filename
    raise MissingFont(f"font {filename} not found in {[str(d) for d in NOTO_DIRS]}: install fonts-noto-core and fonts-noto-cjk")


class _FontCache:
    """Parsed faces by (file, index), each parsed once per process (thread-safe)."""

    def __init__(self) -> None:
        self._parsed: dict[FontFace, TTFFont] = {}
        self._lock = threading.Lock()

    def template(self, face: FontFace, owner: FPDF) -> TTFFont:
        """The process's parsed copy of ``face`` (parsed on first use)."""
        with self._lock:
            font = self._parsed.get(face)
            if font is None:
                path = font_path(face.filename)
                font = TTFFont(owner, path, f"{face.family}{face.style}", face.style, collection_font_number=face.index)
                font.hbfont  # noqa: B018 - build HarfBuzz's face once too; shaping only reads it
                self._parsed[face] = font
            return font

    def attach(self, pdf: FPDF, face: FontFace) -> None:
        """Give ``pdf`` its own copy of ``face``: shared metrics, fresh subset and fontTools object."""
        template = self.template(face, pdf)
        font: TTFFont = copy.copy(template)  # shares the read-only cmap, widths, glyph ids and HarfBuzz face
        font.i = len(pdf.fonts) + 1
        font.fontkey = f"{face.family}{face.style}"
        # fpdf2 subsets font.ttfont in place on output: every document needs its own, read lazily.
        font.ttfont = ttLib.TTFont(template.ttffile, recalcTimestamp=False, fontNumber=face.index, lazy=True)
        font.missing_glyphs = []
        font.subset = SubsetMap(font)
        pdf.fonts[font.fontkey] = font
        if font.is_cff and font.is_cid_keyed:
            pdf._set_min_pdf_version("1.6")

    def covers(self, face: FontFace, owner: FPDF, char: str) -> bool:
        """True when ``face`` has a glyph for ``char``."""
        return ord(char) in self.template(face, owner).cmap


FONTS = _FontCache()


def _fallback_for(ch: str, owner: FPDF, prefer: list[str]) -> str | None:
    """The first fallback family with a glyph for ``ch`` (Japanese/Korean faces first when preferred)."""
    regular = sorted(
        (face for face in FALLBACK_FACES if face.style == ""), key=lambda face: face.family not in prefer
    )
    return next((face.family for face in regular if FONTS.covers(face, owner, ch)), None)


def needed_faces(texts: Iterable[tuple[str, str]], owner: FPDF) -> list[FontFace]:
    """The fallback faces (family and style) that ``(text, style)`` pairs need beyond the main fonts."""
    main = FONTS.template(MAIN_FACES[0], owner)
    pairs = list(texts)
    everything = "".join(text for text, _style in pairs)
    prefer = (["cjkjp"] if any(_is_kana(ch) for ch in everything) else []) + (
        ["cjkkr"] if any(_is_hangul(ch) for ch in everything) else []
    )
    wanted: set[tuple[str, str]] = set()
    for text, style in pairs:
        for ch in set(text):
            if ord(ch) in main.cmap or ch.isspace() or unicodedata.category(ch)[0] == "C":
                continue
            family = _fallback_for(ch, owner, prefer)
            if family:
                wanted.add((family, "B" if "B" in style else ""))
    faces = [face for face in FALLBACK_FACES if (face.family, face.style) in wanted]
    return sorted(faces, key=lambda face: face.family not in prefer)  # fpdf2 tries them in this order


def _is_kana(ch: str) -> bool:
    return 0x3040 <= ord(ch) <= 0x30FF or 0x31F0 <= ord(ch) <= 0x31FF


def _is_hangul(ch: str) -> bool:
    return 0xAC00 <= ord(ch) <= 0xD7AF or 0x1100 <= ord(ch) <= 0x11FF or 0x3130 <= ord(ch) <= 0x318F


def install_fonts(pdf: FPDF, texts: Iterable[tuple[str, str]]) -> None:
    """Add the main faces and the fallbacks the ``(text, style)`` pairs need to ``pdf``, with shaping on."""
    for face in MAIN_FACES:
        FONTS.attach(pdf, face)
    faces = needed_faces(texts, pdf)
    for face in faces:
        FONTS.attach(pdf, face)
    if faces:
        pdf.set_fallback_fonts(list(dict.fromkeys(face.family for face in faces)), exact_match=False)
    pdf.set_text_shaping(True)
