"""The fonts embedded in the PDFs the site makes (certificates, receipts and credit notes).

DejaVu (Vera's superset, more of Latin Extended for names, more currency signs) when the system has it;
else the Vera fonts that ship inside reportlab, so a PDF renders the same way on any machine with the
package.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")
BUNDLED_FONTS = Path(reportlab.__file__).parent / "fonts"

_CANDIDATES = {
    "sans": [SYSTEM_FONTS / "DejaVuSans.ttf", BUNDLED_FONTS / "Vera.ttf"],
    "bold": [SYSTEM_FONTS / "DejaVuSans-Bold.ttf", BUNDLED_FONTS / "VeraBd.ttf"],
    "display": [SYSTEM_FONTS / "DejaVuSerif-Bold.ttf", BUNDLED_FONTS / "VeraBd.ttf"],
}


@cache
def embedded_fonts() -> dict[str, str]:
    """Register the fonts once per process and return their names by role (sans, bold, display). Sans and
    bold are registered as one family, so <b> in a Paragraph takes the bold."""
    names = {}
    for role, paths in _CANDIDATES.items():
        path = next(path for path in paths if path.exists())
        name = f"NT-{role}-{path.stem}"
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(path)))
        names[role] = name
    pdfmetrics.registerFontFamily(
        names["sans"], normal=names["sans"], bold=names["bold"], italic=names["sans"]
    )
    return names
