"""Verification codes: at least 60 random bits, typeable (no 0/O/1/I), matched loosely."""

import pytest

from certificates.codes import ALPHABET, BITS, LENGTH, code_generate, format_code, normalize_code
from certificates.models import Certificate
from certificates.selectors import certificate_by_code


def test_codes_use_an_unambiguous_alphabet_and_carry_at_least_60_bits():
    assert len(ALPHABET) == 32 and len(set(ALPHABET)) == 32
    assert not set("01OI") & set(ALPHABET)
    assert BITS >= 60
    codes = {code_generate() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code) == LENGTH and set(code) <= set(ALPHABET) for code in codes)
    assert set("".join(codes)) == set(ALPHABET)  # every symbol is drawn


def test_codes_are_shown_in_groups_and_normalized_ignoring_case_spaces_and_dashes():
    assert format_code("ABCDEFGHJKLMNPQ") == "ABCDE-FGHJK-LMNPQ"
    assert normalize_code(" abcde-fghjk lmnpq ") == "ABCDEFGHJKLMNPQ"
    assert normalize_code("abcde–fghjk—lmnpq") == "ABCDEFGHJKLMNPQ"


@pytest.mark.django_db
def test_lookup_matches_loosely_typed_codes_and_refuses_malformed_ones(student):
    import datetime

    certificate = Certificate.objects.create(
        code="ABCDEFGHJKLMNPQ",
        user=student,
        student_name="S",
        course_title="C",
        hours=1,
        completed_on=datetime.date(2026, 1, 1),
    )
    assert certificate_by_code(code="abcde fghjk-lmnpq") == certificate
    assert certificate_by_code(code="ABCDE-FGHJK-LMNPR") is None
    assert certificate_by_code(code="ABCDE-FGHJK-LMNP0") is None
    assert certificate_by_code(code="") is None
