"""Validation of Chinese personal identifiers: resident ID numbers, mobile numbers, region codes.

The ``normalize_*`` functions are the one place these rules live: they return the canonical
form to store or raise ``ValidationError`` with a ``code``, so forms, the API, the admin and
imports all agree (DESIGN.md 6). Messages never echo the number itself: import error reports
are downloadable, and ID numbers are sensitive (DESIGN.md 5).

Django validators cannot change a value, so ``id_number_validator`` and ``mobile_validator``
only accept or refuse; whatever saves the value must store the normalizer's result.
"""

import re
import time
import unicodedata
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# GB 11643-1999 (ISO 7064 MOD 11-2): weight of each of the first 17 digits, and the check
# character indexed by the weighted sum modulo 11.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

# First two digits of a valid number: the GB/T 2260 province-level codes, plus 83, which the
# residence permits of Taiwan residents use (830000; Hong Kong and Macau residents' permits use
# 810000 and 820000). Only the province is checked: a county code abolished since the number
# was issued (110103 崇文区, gone in 2010) stays valid for life. Numbers starting with 9 are
# foreigners' permanent residence cards (2023 version), which do not belong in this register.
PROVINCE_CODES = frozenset(
    (
        *("11", "12", "13", "14", "15"),  # 北京 天津 河北 山西 内蒙古
        *("21", "22", "23"),  # 辽宁 吉林 黑龙江
        *("31", "32", "33", "34", "35", "36", "37"),  # 上海 江苏 浙江 安徽 福建 江西 山东
        *("41", "42", "43", "44", "45", "46"),  # 河南 湖北 湖南 广东 广西 海南
        *("50", "51", "52", "53", "54"),  # 重庆 四川 贵州 云南 西藏
        *("61", "62", "63", "64", "65"),  # 陕西 甘肃 青海 宁夏 新疆
        *("71", "81", "82"),  # 台湾 香港 澳门
        "83",  # Taiwan residents' residence permits
    )
)
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

MALE = "male"
FEMALE = "female"

_ID_18 = re.compile(r"[0-9]{17}[0-9X]")
_ID_15 = re.compile(r"[0-9]{15}")
_MOBILE = re.compile(r"(?:\+86|0086|86)?([0-9]{11})")
_MAINLAND_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_REGION_CODE = re.compile(r"[0-9]{6}(?:[0-9]{3}){0,2}")


class IdNumberFacts(NamedTuple):
    birth_date: date
    gender: str  # MALE or FEMALE


def _compact(value) -> str:
    """``value`` as text, full-width characters folded to ASCII (Chinese input methods type
    "１１０…ｘ") and all whitespace removed."""
    text = "" if value is None else unicodedata.normalize("NFKC", str(value))
    return "".join(text.split())


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def _check_region(number: str) -> None:
    if number[:2] not in PROVINCE_CODES:
        raise ValidationError(
            _("身份证号码前两位“%(prefix)s”不是有效的省级行政区划代码。"),
            code="id_number_region",
            params={"prefix": number[:2]},
        )


_today_cache: list = [None, None, 0.0]  # time zone, its date, until when (epoch seconds)


def _today() -> date:
    """``timezone.localdate()``, worked out once per day of the current time zone: it is
    asked for every ID number checked, three times a row in an import of 100,000 rows."""
    zone = timezone.get_current_timezone()
    cached_zone, day, until = _today_cache
    now = time.time()
    if cached_zone is zone and now < until:
        return day
    day = timezone.localdate()
    midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    _today_cache[:] = [zone, day, min(midnight.timestamp(), now + 3600)]
    return day


def _birth_date(number: str, today: date | None) -> date:
    """The birth date in positions 7-14 of an 18-digit number, checked for plausibility."""
    digits = number[6:14]
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise ValidationError(
            _("身份证号码中的出生日期（第7至14位）不是有效的日期。"), code="id_number_birth_date"
        ) from None
    if born < EARLIEST_BIRTH_DATE:
        raise ValidationError(
            _("身份证号码中的出生日期早于1900年1月1日。"), code="id_number_birth_date"
        )
    if born > (today or _today()):
        raise ValidationError(_("身份证号码中的出生日期晚于今天。"), code="id_number_birth_date")
    return born


def normalize_id_number(value: str, *, today: date | None = None) -> str:
    """The canonical 18-character form of a resident ID number (GB 11643-1999).

    Accepts spaces, full-width characters and a lower-case ``x``; converts a 15-digit legacy
    number (born 19YY, no check character) to 18 digits. Checks, in this order: the format,
    the province prefix, the birth date (a real date from 1900-01-01 to ``today``, by default
    today in the project's time zone) and the check character. Error codes:
    ``id_number_format``, ``id_number_region``, ``id_number_birth_date``, ``id_number_checksum``.
    """
    number = _compact(value).upper()
    legacy = bool(_ID_15.fullmatch(number))
    if legacy:
        number = f"{number[:6]}19{number[6:]}"
    elif not _ID_18.fullmatch(number):
        raise ValidationError(
            _("身份证号码应为18位（前17位为数字，末位为数字或X），或15位数字的旧号码。"),
            code="id_number_format",
        )
    _check_region(number)
    _birth_date(number, today)
    if legacy:
        return number + id_check_char(number)
    if number[17] != id_check_char(number[:17]):
        raise ValidationError(
            _("身份证号码校验位不正确，请核对号码是否有误。"), code="id_number_checksum"
        )
    return number


def id_number_facts(number: str) -> IdNumberFacts:
    """Birth date and gender recorded in an ID number (the 17th digit: odd male, even female).

    The number is normalized first, so anything ``normalize_id_number`` refuses raises here.
    """
    number = normalize_id_number(number)
    gender = MALE if int(number[16]) % 2 else FEMALE
    born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    return IdNumberFacts(born, gender)


def _mask(text: str, head: int, tail: int) -> str:
    if len(text) <= head + tail:
        return "*" * len(text)
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail :]


def mask_id_number(number: str | None) -> str:
    """``310104********123X``: region code and last four kept; anything but 18 characters
    keeps only its last four."""
    text = number or ""
    return _mask(text, 6, 4) if len(text) == 18 else _mask(text, 0, 4)


def mask_mobile(number: str | None) -> str:
    """``138****5678``: first three and last four of an 11-digit number kept; anything else
    keeps only its last four."""
    text = number or ""
    return _mask(text, 3, 4) if len(text) == 11 else _mask(text, 0, 4)


def normalize_mobile(value: str) -> str:
    """The 11-digit form of a mainland mobile number (1[3-9] and nine more digits).

    Spaces and dashes are dropped, as is a leading +86, 0086 or 86. Error codes:
    ``mobile_format`` (not 11 digits once cleaned), ``mobile_prefix`` (not 13-19).
    """
    match = _MOBILE.fullmatch(_compact(value).replace("-", ""))
    if not match:
        raise ValidationError(
            _("手机号码应为11位数字，可带+86前缀。"),
            code="mobile_format",
        )
    number = match.group(1)
    if not _MAINLAND_MOBILE.fullmatch(number):
        raise ValidationError(
            _("不是有效的中国大陆手机号码：应以13至19开头。"), code="mobile_prefix"
        )
    return number


def validate_region_code(value: str) -> None:
    """A division code: 6 digits (GB/T 2260) or a 9- or 12-digit statistical code."""
    if not isinstance(value, str) or not _REGION_CODE.fullmatch(value):
        raise ValidationError(_("区划代码应为6位、9位或12位数字。"), code="region_code_format")


def id_number_validator(value: str) -> None:
    """Django field validator: refuses what ``normalize_id_number`` refuses."""
    normalize_id_number(value)


def mobile_validator(value: str) -> None:
    """Django field validator: refuses what ``normalize_mobile`` refuses."""
    normalize_mobile(value)


# --- Unified social credit codes (统一社会信用代码) -------------------------------------
# GB 32100-2015: registration authority (1), organisation type (1), registering region (6),
# the GB 11714 organisation code with its own check character (9), and a check character over
# the first 17 (ISO 7064 MOD 31-3 style: weights 3^(i-1) mod 31 in an alphabet of 31
# characters without I, O, S, V and Z).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
#: Registration authority -> the organisation type codes it issues (GB 32100-2015 table 1).
USCC_AUTHORITY_TYPES = {
    "1": "1239",  # 机构编制：机关、事业单位、中央编办直接管理机构编制的群众团体、其他
    "2": "19",  # 外交
    "3": "123459",  # 司法行政：律师事务所、公证处、基层法律服务所、司法鉴定机构、仲裁委员会、其他
    "4": "19",  # 文化
    "5": "1239",  # 民政：社会团体、民办非企业单位、基金会、其他
    "6": "129",  # 旅游
    "7": "1239",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 工商：企业、个体工商户、农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业
    "Y": "1",  # 其他
}
# GB 11714-1997: eight body characters (digits or capital letters), weights, and MOD 11.
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_USCC = re.compile(r"[0-9A-Z]{18}")
#: The ``code`` of the one USCC error a permitted user may override: the GB 32100 check
#: character is wrong while the nested GB 11714 organisation code is right, as in a few codes
#: issued early in pilot regions (厦门 and others) before the standard settled.
USCC_CHECK_OVERRIDABLE = "uscc_check"
USCC_CHECK_MESSAGE = _(
    "统一社会信用代码校验位不正确，但其中的组织机构代码正确：可能是早期试点地区"
    "发放的代码。默认不予接受；有权限的用户可填写例外说明后接受。"
)


def org_code_check_char(body: str) -> str:
    """The GB 11714 check character of an organisation code's eight body characters."""
    total = sum(int(char, 36) * weight for char, weight in zip(body, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character of a code's first 17 characters."""
    total = sum(
        USCC_ALPHABET.index(char) * weight
        for char, weight in zip(first17, USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value) -> str:
    """The canonical (upper-case, compact) form of a unified social credit code, or a
    ``ValidationError`` whose ``code`` says what is wrong. Only ``USCC_CHECK_OVERRIDABLE``
    may be accepted anyway, by a permitted user with a reason (the caller decides)."""
    code = _compact(value).upper()
    if not code:
        raise ValidationError(_("必须填写统一社会信用代码。"), code="required")
    if not _USCC.fullmatch(code):
        raise ValidationError(
            _("统一社会信用代码应为18位数字或大写字母（当前%(length)d位）。"),
            code="uscc_format",
            params={"length": len(code)},
        )
    if any(char not in USCC_ALPHABET for char in code):
        raise ValidationError(_("统一社会信用代码不使用字母I、O、S、V、Z。"), code="uscc_alphabet")
    authority, kind = code[0], code[1]
    if authority not in USCC_AUTHORITY_TYPES:
        raise ValidationError(
            _("统一社会信用代码第1位（登记管理部门代码）应为1-9、A、N或Y，不能是“%(char)s”。"),
            code="uscc_authority",
            params={"char": authority},
        )
    if kind not in USCC_AUTHORITY_TYPES[authority]:
        raise ValidationError(
            _("统一社会信用代码第2位（机构类别代码）“%(kind)s”不属于登记管理部门“%(authority)s”。"),
            code="uscc_type",
            params={"kind": kind, "authority": authority},
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("统一社会信用代码第3-8位（登记管理机关行政区划码）应为6位数字。"),
            code="uscc_region",
        )
    org_body, org_check = code[8:16], code[16]
    if org_code_check_char(org_body) != org_check:
        raise ValidationError(
            _("统一社会信用代码第9-17位（组织机构代码）校验不通过，请核对。"),
            code="uscc_org_code",
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(USCC_CHECK_MESSAGE, code=USCC_CHECK_OVERRIDABLE)
    return code


def uscc_validator(value: str) -> None:
    """Django field validator: refuses what ``normalize_uscc`` refuses."""
    normalize_uscc(value)
