"""Container identity against the reference numbers in tests/data/iso6346_valid.txt and derived faults."""

from pathlib import Path

import pytest

from yard.errors import InvalidContainerNumber
from yard.identity import container_number_normalise

REFERENCE = Path(__file__).resolve().parent.parent / "data" / "iso6346_valid.txt"
VALID = [line.split("\t")[0] for line in REFERENCE.read_text().splitlines() if line and not line.startswith("#")]


def test_reference_file_is_read():
    assert len(VALID) == 14
    assert "GYOU4047990" in VALID  # remainder 10: check digit 0, which some libraries wrongly reject


@pytest.mark.parametrize("number", VALID)
def test_every_reference_number_is_valid(number):
    assert container_number_normalise(number) == number


@pytest.mark.parametrize("number", VALID)
def test_every_other_check_digit_is_refused(number):
    for digit in "0123456789":
        if digit != number[-1]:
            with pytest.raises(InvalidContainerNumber, match="check digit should be " + number[-1]):
                container_number_normalise(number[:-1] + digit)


@pytest.mark.parametrize(
    ("scanned", "compact"),
    [
        ("csqu3054383", "CSQU3054383"),
        ("csqu 305438 3", "CSQU3054383"),
        ("  CSQU 305438-3 ", "CSQU3054383"),
        ("Msku\t266654 2", "MSKU2666542"),
    ],
)
def test_lower_case_spaces_and_hyphens_are_normalised(scanned, compact):
    assert container_number_normalise(scanned) == compact


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("CSQU305438", "10 characters"),  # check digit missing
        ("CSQU30543833", "12 characters"),
        ("", "0 characters"),
        ("CSQU3O54383", "the form"),  # letter O in the serial
        ("C5QU3054383", "the form"),  # digit in the owner code
        ("CSQX3054383", "the form"),  # category must be U, J or Z
        ("CSQU305438?", "the form"),
    ],
)
def test_malformed_numbers_are_refused_with_the_reason(number, reason):
    with pytest.raises(InvalidContainerNumber, match=reason) as error:
        container_number_normalise(number)
    assert error.value.code == "invalid_container_number"
    assert error.value.status == 400


def test_transposed_serial_digits_are_caught():
    # CSQU3054383 with two serial digits swapped: the weights 2^i make the check digit differ.
    with pytest.raises(InvalidContainerNumber):
        container_number_normalise("CSQU3504383")
