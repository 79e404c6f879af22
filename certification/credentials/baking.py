"""Baked badges (Open Badges 3.0, "Baking"): a PNG image carrying the credential in an iTXt chunk whose
keyword is `openbadgecredential`, uncompressed, its text the compact JWS of the VC-JWT.

Baking draws the badge with Pillow and adds the chunk; reading walks the PNG's chunks by hand without
decoding a pixel, so a large or hostile image costs no more than its bytes.
"""

from __future__ import annotations

import io
import struct
import textwrap
import zlib
from functools import cache

from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from config.pdf_fonts import BUNDLED_FONTS, SYSTEM_FONTS

KEYWORD = b"openbadgecredential"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SIZE = 600
TEAL = (14, 90, 90)
CREAM = (250, 246, 240)
# A credential is a few kilobytes: a chunk that inflates past this is not one.
MAX_TEXT_BYTES = 256 * 1024
MAX_CHUNKS = 10_000


class NotAPng(ValueError):
    pass


@cache
def _font_path(bold: bool) -> str:
    names = ("DejaVuSans-Bold.ttf", "VeraBd.ttf") if bold else ("DejaVuSans.ttf", "Vera.ttf")
    paths = [SYSTEM_FONTS / names[0], BUNDLED_FONTS / names[1]]
    return str(next(path for path in paths if path.exists()))


def _centred(draw: ImageDraw.ImageDraw, y: int, text: str, size: int, *, bold=False, width=30) -> int:
    font = ImageFont.truetype(_font_path(bold), size)
    for line in textwrap.wrap(text, width=width) or [""]:
        draw.text((SIZE // 2, y), line, font=font, fill=CREAM, anchor="ma")
        y += int(size * 1.25)
    return y


def badge_image(*, title: str, holder: str, issuer: str, valid_until: str) -> Image.Image:
    image = Image.new("RGB", (SIZE, SIZE), CREAM)
    draw = ImageDraw.Draw(image)
    draw.ellipse((12, 12, SIZE - 12, SIZE - 12), fill=TEAL)
    draw.ellipse((30, 30, SIZE - 30, SIZE - 30), outline=CREAM, width=3)
    y = _centred(draw, 120, title, 34, bold=True, width=20)
    y = _centred(draw, y + 30, holder, 30, width=24)
    y = _centred(draw, y + 30, issuer, 18, width=34)
    _centred(draw, y + 18, valid_until, 18)
    return image


def bake(image: Image.Image, token: str) -> bytes:
    """The image as a PNG carrying `token` (the credential) in one uncompressed iTXt chunk."""
    info = PngInfo()
    info.add_itxt(KEYWORD.decode(), token, lang="", tkey="", zip=False)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, optimize=True)
    return out.getvalue()


def _itxt_text(data: bytes) -> str | None:
    keyword, _null, rest = data.partition(b"\x00")
    if keyword != KEYWORD or len(rest) < 2:
        return None
    compressed, method, rest = rest[0], rest[1], rest[2:]
    _language, _null, rest = rest.partition(b"\x00")
    _translated, _null, text = rest.partition(b"\x00")
    if compressed:
        if method != 0:
            return None
        inflater = zlib.decompressobj()
        try:
            text = inflater.decompress(text, MAX_TEXT_BYTES + 1)
        except zlib.error:
            return None
        if len(text) > MAX_TEXT_BYTES:
            return None
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        return None


def extract(data: bytes) -> str | None:
    """The credential baked into a PNG, or None when it carries none. Raises NotAPng for other bytes."""
    if not data.startswith(PNG_SIGNATURE):
        raise NotAPng
    position = len(PNG_SIGNATURE)
    for _chunk in range(MAX_CHUNKS):
        if position + 8 > len(data):
            return None
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if len(body) < length:
            return None
        if kind == b"iTXt":
            text = _itxt_text(body)
            if text is not None:
                return text.strip()
        if kind == b"IEND":
            return None
        position += 12 + length
    return None
