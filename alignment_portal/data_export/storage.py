"""Where archives are kept: DATA_EXPORT_DIR, one folder per organization, random names."""

import logging
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)


def export_dir() -> Path:
    return Path(settings.DATA_EXPORT_DIR)


def path_of(file_name: str) -> Path | None:
    """The file's absolute path, or None for a name that would leave the directory."""
    if not file_name:
        return None
    root = export_dir().resolve()
    path = (root / file_name).resolve()
    return path if path.is_relative_to(root) else None


def remove_file(file_name: str) -> None:
    path = path_of(file_name)
    if path is None:
        return
    try:
        path.unlink(missing_ok=True)
    except OSError:
        log.warning("could not delete the archive %s", path, exc_info=True)
