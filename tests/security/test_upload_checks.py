"""Uploads (issue 9 item 6): size limits, type by content, XLSX zip bombs and XML entities
refused before any parser opens the file, photos re-encoded without EXIF/GPS, decompression
bombs refused. Every file is crafted here."""

import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from grids.models import Case, CasePhoto
from portal import imports
from portal.models import ImportJob
from tests.grids.conftest import grids, media  # noqa: F401 (fixtures)

HEADERS = ["编码", "名称"]


def xlsx_bytes(rows=(("S001", "甲"),)):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def replace_part(content, name, data):
    """The zip ``content`` with part ``name`` replaced by ``data`` (bytes)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            payload = data if entry.filename == name else source.read(entry.filename)
            target.writestr(entry.filename, payload)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet_with_dtd(dtd, cell):
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{dtd}\n<worksheet xmlns="{SHEET_NS}">'
        f'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>{cell}</t></is></c></row>'
        "</sheetData></worksheet>"
    ).encode()


BILLION_LAUGHS = sheet_with_dtd(
    '<!DOCTYPE worksheet [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(2, 10))
    + '<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>',
    "&lol9;",
)
EXTERNAL_ENTITY = sheet_with_dtd(
    '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"
)


def zip_bomb():
    """A valid-looking XLSX whose sheet inflates 1000-fold (30 MB of one byte)."""
    return replace_part(xlsx_bytes(), SHEET, b" " * (30 * 1024 * 1024))


def refused_by_parser(content, filename):
    with pytest.raises(imports.ImportFileError) as refused:
        imports.read_table(content, filename)
    return str(refused.value)


# --- through the import page ---------------------------------------------------------------


def post_import(client, content, filename):
    return client.post("/organizations/import/", {"file": SimpleUploadedFile(filename, content)})


def assert_file_error(response, fragment):
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["file"], errors
    assert fragment in errors["file"][0], errors["file"][0]
    assert fragment in response.content.decode()
    assert not ImportJob.objects.exists()  # nothing stored, nothing queued


@pytest.mark.parametrize(
    ("content", "filename", "fragment"),
    [
        (
            b"\xef\xbb\xbf\xe7\xbc\x96\xe7\xa0\x81,name\nS001,x\n",
            "fake.xlsx",
            "不是有效的 XLSX 表格（内容是文本",
        ),
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "setup.xlsx", "Windows 可执行文件"),
        (
            b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200,
            "list.csv",
            "不是文本文件（内容是Windows 可执行文件",
        ),
        (b"%PDF-1.7\n" + b"x" * 100, "list.csv", "PDF 文档"),
        (b"PK\x03\x04 not really a zip", "broken.xlsx", "已损坏"),
    ],
)
def test_the_type_is_judged_by_content_not_name(client_for, users, content, filename, fragment):
    assert_file_error(post_import(client_for(users["admin"]), content, filename), fragment)
    assert fragment in refused_by_parser(content, filename)


def test_an_import_file_over_the_limit_is_refused(client_for, users, settings):
    settings.IMPORT_MAX_BYTES = 1024
    content = ("编码,名称\n" + "S001,甲\n" * 200).encode()
    assert_file_error(post_import(client_for(users["admin"]), content, "big.csv"), "不能超过")
    assert "超过" in refused_by_parser(content, "big.csv")


def test_a_zip_bomb_is_refused_before_any_parser_opens_it(client_for, users):
    content = zip_bomb()
    assert len(content) < 200 * 1024
    assert_file_error(post_import(client_for(users["admin"]), content, "bomb.xlsx"), "压缩炸弹")
    assert "压缩炸弹" in refused_by_parser(content, "bomb.xlsx")


def test_zip_size_and_entry_caps(settings):
    content = xlsx_bytes()
    assert imports.read_table(content, "ok.xlsx")[0] == HEADERS
    settings.IMPORT_ZIP_MAX_ENTRIES = 3
    assert "压缩炸弹" in refused_by_parser(content, "many.xlsx")
    settings.IMPORT_ZIP_MAX_ENTRIES = 1000
    settings.IMPORT_ZIP_MAX_UNCOMPRESSED = 2048
    assert "压缩炸弹" in refused_by_parser(content, "large.xlsx")


@pytest.mark.parametrize("sheet", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["laughs", "xxe"])
def test_xml_entities_in_an_xlsx_are_refused(client_for, users, sheet):
    content = replace_part(xlsx_bytes(), SHEET, sheet)
    assert_file_error(post_import(client_for(users["admin"]), content, "evil.xlsx"), "XML 实体")
    assert "XML 实体" in refused_by_parser(content, "evil.xlsx")
    # The same DTD in UTF-16 or behind a long comment is refused too.
    utf16 = sheet.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert "XML 实体" in refused_by_parser(replace_part(xlsx_bytes(), SHEET, utf16), "u.xlsx")
    padded = sheet.replace(b"?>\n", b"?>\n<!--" + b"x" * 70000 + b"-->", 1)
    assert "XML 实体" in refused_by_parser(replace_part(xlsx_bytes(), SHEET, padded), "p.xlsx")


def test_openpyxl_parses_with_defusedxml():
    """openpyxl (the only XML parser the project calls into besides calamine) uses
    defusedxml when it is installed: a DTD with entities raises instead of expanding."""
    import openpyxl
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True
    content = replace_part(xlsx_bytes(), SHEET, BILLION_LAUGHS)
    from defusedxml import EntitiesForbidden

    with pytest.raises(ValueError) as raised:
        openpyxl.load_workbook(io.BytesIO(content))
    assert isinstance(raised.value.__cause__ or raised.value.__context__, EntitiesForbidden)


def test_a_clean_xlsx_still_imports(client_for, users, django_capture_on_commit_callbacks):
    content = xlsx_bytes()
    header, rows = imports.read_table(content, "ok.xlsx")
    assert header == HEADERS and rows == [["S001", "甲"]]
    with django_capture_on_commit_callbacks(execute=False):
        response = post_import(client_for(users["admin"]), content, "ok.xlsx")
    assert response.status_code == 302
    assert ImportJob.objects.count() == 1


# --- photos ---------------------------------------------------------------------------------


def jpeg_with_gps(size=(40, 20)):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    exif[ExifTags.Base.Orientation] = 6  # rotated 90° clockwise
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 12.0, 30.0)
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 10)).save(buffer, "JPEG", exif=exif, comment=b"secret")
    return buffer.getvalue()


def png_header_only(width, height):
    """A PNG that claims ``width`` x ``height`` pixels in a few dozen bytes."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def report(api, *photos):
    return api.post(
        "/api/v1/cases/",
        {"grid": "GA01", "category": "ENV", "title": "照片", "description": "x", "photos": photos},
        format="multipart",
    )


def test_photos_are_reencoded_without_exif_or_trailing_bytes(api_for, users, grids, media):  # noqa: F811
    polyglot = jpeg_with_gps() + b"<?php system($_GET['c']); ?>"
    response = report(api_for(users["sync_a"]), SimpleUploadedFile("gps.jpg", polyglot))
    assert response.status_code == 201, response.content
    photo = CasePhoto.objects.get(case_id=response.json()["id"])
    stored = photo.image.read()
    assert photo.content_type == "image/jpeg" and photo.size == len(stored)
    assert b"<?php" not in stored and b"TestCam" not in stored and b"secret" not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert image.size == (20, 40)  # turned upright by its orientation tag, then dropped


def test_transparent_webp_becomes_png(api_for, users, grids, media):  # noqa: F811
    buffer = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(buffer, "WEBP", lossless=True)
    response = report(api_for(users["sync_a"]), SimpleUploadedFile("a.webp", buffer.getvalue()))
    assert response.status_code == 201, response.content
    photo = CasePhoto.objects.get(case_id=response.json()["id"])
    assert photo.content_type == "image/png" and photo.image.name.endswith(".png")


def test_decompression_bombs_and_broken_images_are_refused(api_for, users, grids, settings):  # noqa: F811
    api = api_for(users["sync_a"])
    bomb = SimpleUploadedFile("bomb.png", png_header_only(30000, 30000))
    response = report(api, bomb)
    assert response.status_code == 400
    assert "像素过多" in response.json()["photos"][0]
    settings.IMAGE_MAX_PIXELS = 100
    response = report(api, SimpleUploadedFile("big.jpg", jpeg_with_gps((20, 20))))
    assert "像素过多" in response.json()["photos"][0]
    settings.IMAGE_MAX_PIXELS = 40_000_000
    truncated = SimpleUploadedFile("t.png", png_header_only(10, 10)[:40])
    response = report(api, truncated)
    assert response.status_code == 400
    assert "t.png" in response.json()["photos"][0]
    assert not Case.objects.exists()
