"""Small real files of each kind the evidence form takes, built as the tests need them."""

import io
import zipfile

import pypdf
from PIL import Image


def pdf() -> bytes:
    """A one-page PDF, written by pypdf."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=72, height=72)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "navy").save(out, format="PNG")
    return out.getvalue()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "navy").save(out, format="JPEG")
    return out.getvalue()


def zipped(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def ooxml(part_folder: str = "word/", **more: bytes) -> bytes:
    """The parts that make a Word (word/), Excel (xl/) or PowerPoint (ppt/) file what it is."""
    main = {"word/": "document.xml", "xl/": "workbook.xml", "ppt/": "presentation.xml"}[part_folder]
    return zipped({"[Content_Types].xml": CONTENT_TYPES, part_folder + main: b"<xml/>", **more})


def odf(mimetype: str = "application/vnd.oasis.opendocument.text") -> bytes:
    return zipped({"mimetype": mimetype.encode(), "content.xml": b"<xml/>"})
