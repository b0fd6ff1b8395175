"""Container numbers for synthetic benchmark data: valid ISO 6346 check digits, distinct per index."""

from stdnum import iso6346


def container_number(index: int, owner: str = "HSTU") -> str:
    body = f"{owner}{index:06d}"
    return body + iso6346.calc_check_digit(body)
