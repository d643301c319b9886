"""Unified social credit codes (GB 32100-2015 with the nested GB 11714 organisation code):
``portal.validators.normalize_uscc`` on published codes, constructed codes of every
registration authority, and codes corrupted in each part. Pure functions: no database."""

import pytest
from django.core.exceptions import ValidationError

from portal import validators
from tests.buildings.conftest import corrupt_check, make_uscc

#: Codes as published on business licences (they pass both check characters).
PUBLISHED = [
    "91350100M000100Y43",
    "9144030071526726XG",
    "914403001922038216",
    "91330100716105852F",
    "91110000802100433B",
    "91110108551385082Q",
]


def code_of(value):
    with pytest.raises(ValidationError) as info:
        validators.normalize_uscc(value)
    return info.value.code


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code):
    assert validators.normalize_uscc(code) == code


def test_check_characters_by_hand():
    # 91350100M000100Y43: the GB 11714 part M000100Y4, then the GB 32100 check character 3.
    assert validators.org_code_check_char("M000100Y") == "4"
    assert validators.uscc_check_char("91350100M000100Y4") == "3"
    # A check value of 10 is written X (GB 11714), of 11 written 0.
    assert validators.org_code_check_char("71526726") == "X"
    assert validators.uscc_check_char("9144030071526726X") == "G"


@pytest.mark.parametrize(
    ("authority", "kind"),
    [("1", "1"), ("3", "4"), ("5", "1"), ("5", "2"), ("5", "3"), ("9", "2"), ("9", "3")]
    + [("A", "1"), ("A", "9"), ("N", "1"), ("N", "2"), ("N", "3"), ("N", "9"), ("Y", "1")],
)
def test_every_authority_including_a_n_y_is_valid(authority, kind):
    code = make_uscc(4242, authority=authority, kind=kind, region="350203")
    assert code[:2] == authority + kind
    assert validators.normalize_uscc(code) == code


@pytest.mark.parametrize("code", PUBLISHED + [make_uscc(7, "N", "2"), make_uscc(8, "Y", "1")])
def test_a_corrupted_check_character_is_the_overridable_error(code):
    assert code_of(corrupt_check(code)) == validators.USCC_CHECK_OVERRIDABLE


@pytest.mark.parametrize("code", PUBLISHED + [make_uscc(9, "A", "1")])
@pytest.mark.parametrize("position", range(8, 17))
def test_a_corrupted_organisation_code_is_refused_outright(code, position):
    """Any one character of the GB 11714 part changed (and the GB 32100 check character
    recomputed, so only the nested check can tell): never overridable."""
    alphabet = validators.USCC_ALPHABET
    char = code[position]
    other = alphabet[(alphabet.index(char) + 1) % len(alphabet)]
    first17 = code[:position] + other + code[position + 1 : 17]
    bad = first17 + validators.uscc_check_char(first17)
    assert code_of(bad) == "uscc_org_code"


def test_a_corrupted_organisation_code_is_refused_even_with_the_old_check_char():
    code = PUBLISHED[0]
    assert code_of(code[:9] + "1" + code[10:]) == "uscc_org_code"


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("B1350100M000100Y43", "uscc_authority"),  # B is no registration authority
        ("01350100M000100Y43", "uscc_authority"),
        ("95350100M000100Y43", "uscc_type"),  # 工商 issues types 1-3 only
        ("Y2350100M000100Y43", "uscc_type"),  # 其他 issues type 1 only
        ("A3350100M000100Y43", "uscc_type"),
        ("913501A0M000100Y43", "uscc_region"),
        ("91350100M000100Y4", "uscc_format"),
        ("91350100M000100Y433", "uscc_format"),
        ("91350100M0001-0Y43", "uscc_format"),
        ("91350100M000100I43", "uscc_alphabet"),  # I, O, S, V, Z are not used
        ("91350100O000100Y43", "uscc_alphabet"),
        ("", "required"),
        (None, "required"),
    ],
)
def test_malformed_codes(value, error):
    assert code_of(value) == error


@pytest.mark.parametrize(
    "value",
    [
        "91350100m000100y43",  # lower case
        " 9135 0100 M000 100Y 43 ",  # spaces
        "９１３５０１００Ｍ０００１００Ｙ４３",  # full width, as Chinese input methods type it
        "９１３５０１００ｍ０００１００ｙ４３",
        "91350100M000100Y43\n",
    ],
)
def test_input_is_normalised(value):
    assert validators.normalize_uscc(value) == "91350100M000100Y43"


def test_messages_say_what_is_wrong_without_echoing_the_code():
    with pytest.raises(ValidationError) as info:
        validators.normalize_uscc(corrupt_check(PUBLISHED[0]))
    message = info.value.messages[0]
    assert "校验位不正确" in message and "早期试点" in message and "例外说明" in message
    assert PUBLISHED[0][:17] not in message
    with pytest.raises(ValidationError) as info:
        validators.normalize_uscc("91350100M000200Y43")
    assert "组织机构代码" in info.value.messages[0]
