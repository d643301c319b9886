"""Checks on uploaded files, by their content, never their name (issue 9 item 6).

- Import files (``check_table``): at most ``IMPORT_MAX_BYTES``; the content must be what the
  name says: an ``.xlsx`` must be an OOXML zip, a ``.csv`` text, never an executable. An
  XLSX/ODS zip is inspected before any parser opens it: entry count, total uncompressed size
  and compression ratio are capped (zip bombs), and no XML part may declare a DTD (billion
  laughs, external entities: an Office file never needs one).
- Photos (``reencode_image``): decoded by Pillow with a pixel cap (decompression bombs),
  turned upright, and written again as PNG or JPEG (WebP too becomes one): EXIF (GPS position,
  device), comments and anything appended to the file are gone.

Errors are ``UploadError`` with a Chinese message naming the file; forms and services turn
them into the field's error.
"""

import io
import zipfile

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

SPREADSHEET_EXTENSIONS = (".xlsx", ".xlsm", ".ods")
OLE_EXTENSIONS = (".xls",)
TEXT_EXTENSIONS = (".csv", ".txt", ".geojson", ".json")

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Leading bytes of content that is never a table: executables, archives, documents, images.
BINARY_MAGICS = (
    (b"MZ", "Windows 可执行文件"),
    (b"\x7fELF", "ELF 可执行文件"),
    (b"\xca\xfe\xba\xbe", "Mach-O 可执行文件"),
    (b"\xcf\xfa\xed\xfe", "Mach-O 可执行文件"),
    (b"#!", "脚本"),
    (ZIP_MAGIC, "ZIP 压缩包"),
    (OLE_MAGIC, "旧版 Office 文件"),
    (b"%PDF", "PDF 文档"),
    (b"\x1f\x8b", "GZIP 压缩包"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
)
#: How far into each XML part of a zip the prolog (where a DTD would be) is looked for.
XML_PROLOG_BYTES = 64 * 1024


class UploadError(Exception):
    """A file refused, with the reason in Chinese."""


def _mb(size):
    return f"{size / 1024 / 1024:g}"


# --- import files -------------------------------------------------------------------------


def check_table(content: bytes, filename: str):
    """Refuse an import file whose size, content or structure is not acceptable."""
    name = filename.lower()
    limit = settings.IMPORT_MAX_BYTES
    if len(content) > limit:
        raise UploadError(
            _("文件“%(name)s”超过 %(size)s MB。") % {"name": filename, "size": _mb(limit)}
        )
    head = content[:8]
    if name.endswith(SPREADSHEET_EXTENSIONS):
        if not head.startswith(ZIP_MAGIC):
            raise UploadError(
                _("文件“%(name)s”不是有效的 XLSX 表格（内容是%(kind)s）。")
                % {"name": filename, "kind": describe(content)}
            )
        check_zip(content, filename)
    elif name.endswith(OLE_EXTENSIONS):
        if not head.startswith(OLE_MAGIC):
            raise UploadError(
                _("文件“%(name)s”不是有效的 XLS 表格（内容是%(kind)s）。")
                % {"name": filename, "kind": describe(content)}
            )
    elif name.endswith(TEXT_EXTENSIONS):
        kind = binary_kind(content)
        if kind is not None or b"\x00" in content[:8192]:
            raise UploadError(
                _("文件“%(name)s”不是文本文件（内容是%(kind)s），请上传 CSV 或 XLSX 文件。")
                % {"name": filename, "kind": kind or _("二进制数据")}
            )


def binary_kind(content: bytes):
    for magic, label in BINARY_MAGICS:
        if content.startswith(magic):
            return _(label)
    return None


def describe(content: bytes):
    """What the content looks like, for an error message."""
    kind = binary_kind(content)
    if kind is not None:
        return kind
    if b"\x00" in content[:8192]:
        return _("二进制数据")
    return _("文本（可能是 CSV）")


def check_zip(content: bytes, filename: str):
    """Zip-bomb and XML-entity checks on an OOXML/ODS zip, reading only its directory and
    the first bytes of each XML part."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise UploadError(
            _("文件“%(name)s”已损坏，无法作为表格读取。") % {"name": filename}
        ) from exc
    bomb = _("文件“%(name)s”解压后过大或压缩比异常，疑似压缩炸弹，已拒绝。") % {"name": filename}
    if len(entries) > settings.IMPORT_ZIP_MAX_ENTRIES:
        raise UploadError(bomb)
    total = sum(entry.file_size for entry in entries)
    packed = sum(entry.compress_size for entry in entries)
    if total > settings.IMPORT_ZIP_MAX_UNCOMPRESSED:
        raise UploadError(bomb)
    ratio = settings.IMPORT_ZIP_MAX_RATIO
    if total > 1024 * 1024 and total > ratio * max(packed, 1):
        raise UploadError(bomb)
    for entry in entries:
        # One entry alone: a huge, highly repetitive part among small ones.
        if entry.file_size > 1024 * 1024 and entry.file_size > ratio * max(entry.compress_size, 1):
            raise UploadError(bomb)
    for entry in entries:
        if entry.filename.lower().endswith((".xml", ".rels", ".vml")):
            _check_xml_prolog(archive, entry, filename)


def _check_xml_prolog(archive, entry, filename):
    refused = _("文件“%(name)s”含有 XML 实体声明（DTD），出于安全原因已拒绝。") % {"name": filename}
    try:
        with archive.open(entry) as part:
            head = part.read(XML_PROLOG_BYTES)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, OSError) as exc:
        raise UploadError(
            _("文件“%(name)s”已损坏，无法作为表格读取。") % {"name": filename}
        ) from exc
    text = _decode_xml(head)
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise UploadError(refused)
    # The prolog must end (the root element start) within the bytes read: comments or
    # whitespace padding past it could hide a DTD further on.
    if len(head) == XML_PROLOG_BYTES and not _root_started(text):
        raise UploadError(refused)


def _decode_xml(head: bytes):
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    if head[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        return head.decode("utf-16-le" if head[0] == 0x3C else "utf-16-be", errors="ignore")
    return head.decode("utf-8", errors="ignore")


def _root_started(text):
    """Whether a start tag other than <?...?> or <!...> appears in ``text``."""
    position = 0
    while True:
        position = text.find("<", position)
        if position < 0 or position + 1 >= len(text):
            return False
        if text[position + 1] not in "?!":
            return True
        position += 1


# --- images -----------------------------------------------------------------------------


def reencode_image(upload, *, max_bytes=None):
    """``(ContentFile, content type, extension)`` of an uploaded photo decoded and written
    anew: a PNG (or a WebP with transparency) as PNG, anything else as JPEG; upright; no
    EXIF, GPS or other metadata."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    name = getattr(upload, "name", "") or _("照片")
    limit = max_bytes or settings.CASE_PHOTO_MAX_BYTES
    if upload.size > limit:
        raise UploadError(
            _("照片“%(name)s”超过 %(size)s MB。") % {"name": name, "size": _mb(limit)}
        )
    max_pixels = settings.IMAGE_MAX_PIXELS
    # Pillow itself refuses images over twice this with DecompressionBombError.
    Image.MAX_IMAGE_PIXELS = max_pixels
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > max_pixels:
                raise UploadError(_too_large(name, max_pixels))
            if probe.format not in ("JPEG", "PNG", "WEBP"):
                raise UploadError(_("“%(name)s”不是 PNG、JPEG 或 WebP 图片。") % {"name": name})
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            source_format = image.format
            image = ImageOps.exif_transpose(image)
            transparent = image.mode in ("RGBA", "LA", "PA") or (
                image.mode == "P" and "transparency" in image.info
            )
            buffer = io.BytesIO()
            if transparent or source_format == "PNG":
                clean = image.convert("RGBA")
                clean.info = {}  # no text chunks, comments or profiles carried over
                clean.save(buffer, "PNG", optimize=True)
                content_type, extension = "image/png", "png"
            else:
                clean = image.convert("RGB")
                clean.info = {}
                clean.save(buffer, "JPEG", quality=88, optimize=True)
                content_type, extension = "image/jpeg", "jpg"
    except UploadError:
        raise
    except Image.DecompressionBombError as exc:
        raise UploadError(_too_large(name, max_pixels)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UploadError(
            _("“%(name)s”不是 PNG、JPEG 或 WebP 图片，或图片已损坏。") % {"name": name}
        ) from exc
    return ContentFile(buffer.getvalue(), name=f"photo.{extension}"), content_type, extension


def _too_large(name, max_pixels):
    return _("图片“%(name)s”的像素过多（上限 %(pixels)s 万像素）。") % {
        "name": name,
        "pixels": max_pixels // 10000,
    }
