"""What an uploaded file is, told from its bytes, never from its name: PDF, JPEG, PNG, or OFD (the Chinese fixed
layout format of e-invoices: a ZIP package with `OFD.xml` at its root). Anything else — an executable renamed
.pdf, an HTML page, a Word file — is refused."""

from __future__ import annotations

import io
import zipfile

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
OFD = "application/ofd"
ACCEPTED = (PDF, JPEG, PNG, OFD)
SUFFIX = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", OFD: ".ofd"}


def media_type_of(content: bytes) -> str | None:
    """The accepted media type `content` is, or None."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"PK\x03\x04") and _is_ofd(content):
        return OFD
    return None


def _is_ofd(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            return "OFD.xml" in package.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
