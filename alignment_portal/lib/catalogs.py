"""Compiles the translation catalogs (locale/<lang>/LC_MESSAGES/*.po → .mo) with Babel, so no
GNU gettext is needed to run the portal: `python -m alignment_portal.lib.catalogs`. A catalog is
compiled only when its .mo is missing or older than its .po."""

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"


def compile_catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile every stale catalog under `locale_dir`; the .mo files written."""
    written = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)  # fuzzy entries are left out, as msgfmt does
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_catalogs():
        print(f"compiled {path.relative_to(LOCALE_DIR.parent)}", file=sys.stderr)
