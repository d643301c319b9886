"""ID number, mobile and region code rules (DESIGN.md 6). Pure functions: no database.

Valid numbers are generated with a seeded ``random.Random`` and their check characters are
computed here from the ISO 7064 MOD 11-2 definition (weights 2^(17-i) mod 11), independently
of the weight table in ``portal.validators``.
"""

import csv
import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.validators import (
    FEMALE,
    MALE,
    id_number_facts,
    id_number_validator,
    mask_id_number,
    mask_mobile,
    mobile_validator,
    normalize_id_number,
    normalize_mobile,
    validate_region_code,
)

VECTOR = "11010519491231002X"
PROVINCES = (
    {f"{n}" for n in range(11, 16)}
    | {"21", "22", "23"}
    | {f"{n}" for n in range(31, 38)}
    | {f"{n}" for n in range(41, 47)}
    | {f"{n}" for n in range(50, 55)}
    | {f"{n}" for n in range(61, 66)}
    | {"71", "81", "82", "83"}
)

FORMAT = (
    "id_number_format",
    "身份证号码应为18位（前17位为数字，末位为数字或X），或15位数字的旧号码。",
)
CHECKSUM = ("id_number_checksum", "身份证号码校验位不正确，请核对号码是否有误。")
BAD_DATE = ("id_number_birth_date", "身份证号码中的出生日期（第7至14位）不是有效的日期。")
TOO_EARLY = ("id_number_birth_date", "身份证号码中的出生日期早于1900年1月1日。")
FUTURE = ("id_number_birth_date", "身份证号码中的出生日期晚于今天。")
MOBILE_FORMAT = ("mobile_format", "手机号码应为11位数字，可带+86前缀。")
MOBILE_PREFIX = ("mobile_prefix", "不是有效的中国大陆手机号码：应以13至19开头。")


def region_error(prefix):
    return ("id_number_region", f"身份证号码前两位“{prefix}”不是有效的省级行政区划代码。")


def check_char(first17):
    """MOD 11-2: the check value c makes sum(d_i * 2^(17-i)) + c == 1 (mod 11); 10 is X."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    value = (1 - total) % 11
    return "X" if value == 10 else str(value)


def make_id(county, born, sequence):
    first17 = f"{county}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def legacy_of(number):
    """The 15-digit number an 18-digit one (born 19YY) was converted from."""
    return number[:6] + number[8:17]


def random_ids(seed, count, *, earliest=date(1900, 1, 1), latest=None):
    rng = random.Random(seed)
    first, last = earliest.toordinal(), (latest or timezone.localdate()).toordinal()
    provinces = sorted(PROVINCES)
    return [
        make_id(
            rng.choice(provinces) + f"{rng.randrange(10_000):04d}",
            date.fromordinal(rng.randint(first, last)),
            rng.randrange(1000),
        )
        for _ in range(count)
    ]


def refusal(func, value, **kwargs):
    with pytest.raises(ValidationError) as caught:
        func(value, **kwargs)
    return caught.value.code, caught.value.messages[0]


# --- ID numbers -----------------------------------------------------------------------------


def test_vector_is_valid_and_our_check_char_agrees_with_it():
    assert check_char(VECTOR[:17]) == "X"
    assert normalize_id_number(VECTOR) == VECTOR


@pytest.mark.parametrize(
    "typed",
    [
        "11010519491231002x",
        " 110105 19491231 002x ",
        "110105\u300019491231\t002X",  # ideographic space
        "１１０１０５１９４９１２３１００２ｘ",  # full-width, as a Chinese input method types it
    ],
)
def test_normalized_to_upper_case_without_spaces(typed):
    assert normalize_id_number(typed) == VECTOR


def test_generated_numbers_are_valid_and_canonical():
    for number in random_ids(seed=11643, count=500):
        assert normalize_id_number(number) == number
        assert normalize_id_number(number.lower()) == number


def test_every_single_character_substitution_is_refused():
    for number in [VECTOR, *random_ids(seed=7064, count=30)]:
        for position, original in enumerate(number):
            for replacement in "0123456789X":
                if replacement == original:
                    continue
                corrupted = number[:position] + replacement + number[position + 1 :]
                with pytest.raises(ValidationError):
                    normalize_id_number(corrupted)


def test_every_adjacent_transposition_is_refused():
    for number in [VECTOR, *random_ids(seed=112, count=30)]:
        for i in range(17):
            if number[i] == number[i + 1]:
                continue
            swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
            with pytest.raises(ValidationError):
                normalize_id_number(swapped)


def test_wrong_check_char_gives_the_checksum_error():
    assert refusal(normalize_id_number, VECTOR[:17] + "1") == CHECKSUM
    assert refusal(normalize_id_number, "110105194912310020") == CHECKSUM


@pytest.mark.parametrize(
    "value",
    [
        "",
        None,
        "1101051949123100",  # 16 characters
        "11010519491231002",  # 17 characters
        "11010519491231002X0",  # 19 characters
        "11010519491231002Y",
        "1101051949123100X2",  # X only as the check character
        "X10105194912310021",
        "11010519491231-02X",
        "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",  # Arabic-Indic digits are digits to str.isdigit, not to us
        "11010549123100X",  # 15-digit numbers have no check character
    ],
)
def test_wrong_length_or_characters(value):
    assert refusal(normalize_id_number, value) == FORMAT


def test_exactly_the_province_level_prefixes_are_accepted():
    accepted = set()
    for n in range(100):
        prefix = f"{n:02d}"
        number = make_id(f"{prefix}0101", date(1980, 6, 15), 123)
        try:
            assert normalize_id_number(number) == number
        except ValidationError as exc:
            assert (exc.code, exc.messages[0]) == region_error(prefix)
        else:
            accepted.add(prefix)
    assert accepted == PROVINCES


@pytest.mark.parametrize("prefix", ["00", "99", "10", "16", "91"])
def test_bad_province_prefix_with_correct_check_char(prefix):
    number = make_id(f"{prefix}0105", date(1949, 12, 31), 2)
    assert refusal(normalize_id_number, number) == region_error(prefix)


@pytest.mark.parametrize(
    "county",
    [
        "110103",  # 北京市崇文区, merged into 东城区 in 2010
        "110104",  # 北京市宣武区, merged into 西城区 in 2010
        "310103",  # 上海市卢湾区, merged into 黄浦区 in 2011
        "310108",  # 上海市闸北区, merged into 静安区 in 2015
    ],
)
def test_abolished_county_codes_remain_valid(county):
    number = make_id(county, date(1962, 3, 8), 451)
    assert normalize_id_number(number) == number


@pytest.mark.parametrize(
    "born, valid",
    [
        ("20000229", True),  # divisible by 400: leap
        ("19960229", True),
        ("19990229", False),
        ("19000229", False),  # divisible by 100 but not 400: not a leap year
        ("20000230", False),
        ("19801301", False),
        ("19800001", False),
        ("19800100", False),
        ("19800132", False),
        ("19800431", False),
    ],
)
def test_birth_date_must_be_a_calendar_date(born, valid):
    first17 = f"310104{born}123"
    number = first17 + check_char(first17)
    if valid:
        assert normalize_id_number(number) == number
    else:
        assert refusal(normalize_id_number, number) == BAD_DATE


def test_birth_date_not_before_1900():
    assert normalize_id_number(make_id("310104", date(1900, 1, 1), 1))
    assert refusal(normalize_id_number, make_id("310104", date(1899, 12, 31), 1)) == TOO_EARLY
    first17 = "310104" + "08000101" + "123"  # the year 0800
    assert refusal(normalize_id_number, first17 + check_char(first17)) == TOO_EARLY


def test_birth_date_not_in_the_future():
    today = timezone.localdate()
    assert normalize_id_number(make_id("310104", today, 1))
    tomorrow = make_id("310104", today + timedelta(days=1), 1)
    assert refusal(normalize_id_number, tomorrow) == FUTURE
    assert refusal(id_number_validator, tomorrow) == FUTURE


def test_today_can_be_given():
    on_the_day = make_id("310104", date(2020, 1, 1), 1)
    day_after = make_id("310104", date(2020, 1, 2), 1)
    assert normalize_id_number(on_the_day, today=date(2020, 1, 1)) == on_the_day
    assert refusal(normalize_id_number, day_after, today=date(2020, 1, 1)) == FUTURE


# --- 15-digit legacy numbers ----------------------------------------------------------------


def test_legacy_vector_converts():
    assert legacy_of(VECTOR) == "110105491231002"
    assert normalize_id_number("110105491231002") == VECTOR
    assert normalize_id_number(" 110105 491231 002 ") == VECTOR


def test_legacy_round_trip():
    born_1900s = random_ids(
        seed=1999, count=300, earliest=date(1900, 1, 1), latest=date(1999, 12, 31)
    )
    for number in born_1900s:
        assert normalize_id_number(legacy_of(number)) == number


def test_legacy_numbers_are_checked_too():
    assert refusal(normalize_id_number, "000105491231002") == region_error("00")
    assert refusal(normalize_id_number, "110105490229002") == BAD_DATE  # 1949 not a leap year
    assert refusal(normalize_id_number, "110105491331002") == BAD_DATE


# --- facts ----------------------------------------------------------------------------------


def test_facts_of_the_vector():
    born, gender = id_number_facts(VECTOR)
    assert (born, gender) == (date(1949, 12, 31), FEMALE)
    assert (MALE, FEMALE) == ("male", "female")
    assert id_number_facts("110105491231002").birth_date == date(1949, 12, 31)


@pytest.mark.parametrize(
    "sequence, gender",
    [(1, MALE), (2, FEMALE), (19, MALE), (990, FEMALE), (999, MALE), (0, FEMALE)],
)
def test_gender_from_the_17th_digit(sequence, gender):
    facts = id_number_facts(make_id("310104", date(1975, 10, 1), sequence))
    assert facts.gender == gender
    assert facts.birth_date == date(1975, 10, 1)


def test_facts_match_generated_numbers():
    for number in random_ids(seed=17, count=200):
        born, gender = id_number_facts(number.lower())
        assert f"{born:%Y%m%d}" == number[6:14]
        assert gender == (MALE if int(number[16]) % 2 else FEMALE)


def test_facts_refuse_invalid_numbers():
    assert refusal(id_number_facts, VECTOR[:17] + "1") == CHECKSUM


# --- masking --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number, masked",
    [
        ("310104198001011234", "310104********1234"),
        (VECTOR, "110105********002X"),
        ("110105491231002", "***********1002"),  # not 18: all but the last four
        ("12345", "*2345"),
        ("1234", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_number(number, masked):
    assert mask_id_number(number) == masked


@pytest.mark.parametrize(
    "number, masked",
    [
        ("13812345678", "138****5678"),
        ("19912345678", "199****5678"),
        ("021-64871234", "********1234"),
        ("5678", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_mobile(number, masked):
    assert mask_mobile(number) == masked


# --- mobiles --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "13812345678",
        "+86 138 1234 5678",
        "+8613812345678",
        "0086 138-1234-5678",
        "86 13812345678",
        "138-1234-5678",
        " 138 1234 5678 ",
        "＋８６　１３８１２３４５６７８",  # full-width
    ],
)
def test_mobile_normalized(typed):
    assert normalize_mobile(typed) == "13812345678"


@pytest.mark.parametrize("first_two", ["13", "14", "15", "16", "17", "18", "19"])
def test_mobile_prefixes_13_to_19(first_two):
    assert normalize_mobile(f"{first_two}912345678") == f"{first_two}912345678"


@pytest.mark.parametrize("number", ["12812345678", "10012345678", "11012345678", "23812345678"])
def test_mobile_wrong_prefix(number):
    assert refusal(normalize_mobile, number) == MOBILE_PREFIX
    assert refusal(normalize_mobile, f"+86 {number}") == MOBILE_PREFIX


@pytest.mark.parametrize(
    "typed",
    [
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "+86 1381234567",
        "+1 13812345678",
        "(021) 64871234",
        "1381234567a",
        "",
        None,
    ],
)
def test_mobile_wrong_format(typed):
    assert refusal(normalize_mobile, typed) == MOBILE_FORMAT


# --- region codes ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["310104", "310104003", "310104003001"])
def test_region_code_lengths(code):
    assert validate_region_code(code) is None


@pytest.mark.parametrize(
    "code", ["", "31010", "3101040", "3101040031", "31010400300a", "310104 003", None, 310104]
)
def test_region_code_refused(code):
    assert refusal(validate_region_code, code) == (
        "region_code_format",
        "区划代码应为6位、9位或12位数字。",
    )


def test_reference_region_codes_are_valid():
    path = Path(__file__).resolve().parents[2] / "data" / "xuhui_regions.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 300
    for row in rows:
        validate_region_code(row["code"])
        validate_region_code(row["parent_code"])


# --- Django validators ----------------------------------------------------------------------


def test_validators_accept_and_refuse_like_the_normalizers():
    assert id_number_validator(VECTOR) is None
    assert id_number_validator("110105491231002") is None
    assert mobile_validator("+86 138 1234 5678") is None
    assert refusal(id_number_validator, VECTOR[:17] + "1") == CHECKSUM
    assert refusal(mobile_validator, "12812345678") == MOBILE_PREFIX


def test_validators_in_a_form_field():
    class Form(forms.Form):
        id_number = forms.CharField(validators=[id_number_validator])
        mobile = forms.CharField(validators=[mobile_validator])

    form = Form({"id_number": "000105194912310021", "mobile": "1381234567"})
    assert not form.is_valid()
    assert form.errors.as_data()["id_number"][0].code == "id_number_region"
    assert form.errors["id_number"] == [region_error("00")[1]]
    assert form.errors["mobile"] == [MOBILE_FORMAT[1]]
    assert Form({"id_number": VECTOR, "mobile": "13812345678"}).is_valid()
