"""No ID numbers or mobiles in logs (issue 9): every handler masks them
(portal.logscan.MaskPersonalNumbers), and ``python -m portal.logscan`` finds any that
got through (``make test`` runs it over the suite's logs)."""

import logging
import subprocess
import sys
from datetime import date
from pathlib import Path

from django.conf import settings

from portal import validators
from portal.logscan import MaskPersonalNumbers, mask, valid_id_number

ROOT = Path(__file__).resolve().parents[2]


def id_number(born, seq, region="310104"):
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + validators.id_check_char(first17)


ID = id_number(date(1985, 7, 1), 123)
MOBILE = "13912345678"


def test_id_check_digit_matches_the_validator():
    assert valid_id_number(ID)
    assert valid_id_number("11010519491231002X")  # the standard's own example
    wrong = ID[:-1] + ("0" if ID[-1] != "0" else "1")
    assert not valid_id_number(wrong)


def test_the_filter_masks_ids_and_mobiles_in_message_arguments_and_tracebacks():
    record_logger = logging.getLogger("tests.deploy.masking")
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Keep()
    handler.addFilter(MaskPersonalNumbers())
    record_logger.addHandler(handler)
    record_logger.propagate = False
    try:
        record_logger.warning("lookup of %s by %s", ID, MOBILE)
        try:
            raise ValueError(f"duplicate id_number {ID}")
        except ValueError:
            record_logger.exception("import row 7 failed")
    finally:
        record_logger.removeHandler(handler)
        record_logger.propagate = True
    text = "\n".join(records)
    assert ID not in text and MOBILE not in text
    assert f"lookup of {ID[:3]}{'*' * 13}{ID[-2:]} by 139********" in records[0]
    assert "ValueError: duplicate id_number 310*************" in records[1]
    assert mask("order 20251130123456789012 ok") == "order 20251130123456789012 ok"  # 20 digits


def test_settings_attach_the_filter_to_every_handler():
    for name, handler in settings.LOGGING["handlers"].items():
        assert "mask_personal_numbers" in handler.get("filters", []), name
    assert settings.LOGGING["handlers"]["file"]["filename"].startswith(str(settings.LOG_DIR))


def logscan(*paths):
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "portal.logscan", *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_logscan_reports_file_and_line_and_exits_non_zero(tmp_path):
    (tmp_path / "clean.log").write_text(
        "GET /api/v1/members/?page=2 200\nrequest 6f1c2e0a 20251130123456 13 rows\n"
    )
    (tmp_path / "sub").mkdir()
    leaky = tmp_path / "sub" / "portal.log"
    leaky.write_text(f"ok\nGET /search/?q={ID} 200\nok\ncall {MOBILE}\n")
    result = logscan(tmp_path)
    assert result.returncode == 1
    assert f"{leaky}:2: id_number" in result.stdout
    assert f"{leaky}:4: mobile" in result.stdout
    assert "clean.log" not in result.stdout
    assert ID not in result.stdout + result.stderr  # the report never repeats the number


def test_logscan_passes_clean_and_masked_logs(tmp_path):
    wrong_check = ID[:-1] + ("0" if ID[-1] != "0" else "1")
    (tmp_path / "portal.log").write_text(
        f"{mask(ID)} {mask(MOBILE)}\nnot an ID (bad check digit): {wrong_check}\n"
    )
    result = logscan(tmp_path)
    assert result.returncode == 0, result.stdout
    assert "no ID or mobile numbers" in result.stdout
    assert logscan(tmp_path / "missing").returncode == 2


def test_the_app_log_file_is_masked():
    """A record through the configured handlers: the file under LOG_DIR is masked."""
    logging.getLogger("portal.audit").warning("member lookup %s", ID)
    for handler in logging.getLogger("portal.audit").handlers:
        if isinstance(handler, logging.FileHandler):
            handler.flush()
    text = (settings.LOG_DIR / "portal.log").read_text()
    assert ID not in text
    assert f"member lookup {ID[:3]}" in text
