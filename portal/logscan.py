"""No ID numbers or mobile numbers in logs.

Two halves of one rule:

* ``MaskPersonalNumbers``, a logging filter on every handler (settings.LOGGING), masks any
  18-character ID number (GB 11643) and any mainland mobile number in a record's message and
  traceback before it is written: defence in depth, code should not log them at all.
* ``python -m portal.logscan DIR...`` greps log files for ID numbers with a valid GB 11643
  check digit and for mobile numbers, prints ``file:line: kind`` for each (never the number
  itself) and exits 1 when any is found. ``make test`` runs it over the suite's logs.
"""

import logging
import re
import sys
from pathlib import Path

#: 17 digits and a check character, not part of a longer run of digits.
ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
#: A mainland mobile number, not part of a longer run of digits.
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
#: What the filter masks: any 18-character ID-number shape, checksum or not.
_ANY_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def valid_id_number(value):
    """True when ``value`` is 18 characters with a correct GB 11643 check character."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == value[17].upper()


def mask(text):
    """``text`` with every ID-number shape and mobile number masked (first 3, last 2 kept
    for an ID number, first 3 for a mobile: enough to tell records apart in an incident)."""
    text = _ANY_ID.sub(lambda m: m.group()[:3] + "*" * 13 + m.group()[-2:], text)
    return MOBILE.sub(lambda m: m.group()[:3] + "*" * 8, text)


class MaskPersonalNumbers(logging.Filter):
    """Mask ID numbers and mobiles in the message (arguments merged) and the traceback."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: leave it for logging's own error report
            return True
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


def scan_line(line):
    """The kinds of personal number found in one line: ``["id_number", "mobile"]``."""
    found = []
    if any(valid_id_number(m.group()) for m in ID_NUMBER.finditer(line)):
        found.append("id_number")
    if MOBILE.search(line):
        found.append("mobile")
    return found


def scan(paths):
    """Yield ``(file, line_number, kinds)`` for each line of the files under ``paths``
    holding an ID number or a mobile number."""
    for root in map(Path, paths):
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            with path.open(encoding="utf-8", errors="replace") as lines:
                for number, line in enumerate(lines, 1):
                    kinds = scan_line(line)
                    if kinds:
                        yield path, number, kinds


def main(argv=None):
    paths = (sys.argv[1:] if argv is None else argv) or ["var/log"]
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        print(f"logscan: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    hits = 0
    for path, number, kinds in scan(paths):
        hits += 1
        print(f"{path}:{number}: {', '.join(kinds)}")
    checked = ", ".join(paths)
    if hits:
        print(f"logscan: {hits} line(s) with ID or mobile numbers in {checked}", file=sys.stderr)
        return 1
    print(f"logscan: no ID or mobile numbers in {checked}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
