"""The compiled date parser accepts and rejects exactly what datetime.strptime does."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitc_agent.collectors.datafix.fast_dates import compile_format

FORMATS = ["%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y", "%Y/%m/%d %H.%M", "%m/%d/%Y"]
PIECES = st.sampled_from(["0", "1", "2", "3", "9", "12", "29", "30", "31", "59", "60", "61",
                          "2024", "0000", "-", ":", " ", "  ", "/", ".", "\t", "a", "13"])


def _same(fmt: str, text: str) -> None:
    parse = compile_format(fmt)
    assert parse is not None
    try:
        expected: datetime | str = datetime.strptime(text, fmt)
    except ValueError:
        expected = "error"
    try:
        got: datetime | str = parse(text)
    except ValueError:
        got = "error"
    assert got == expected, (fmt, text)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(FORMATS), st.lists(PIECES, max_size=9).map("".join))
def test_random_texts_parse_as_strptime_does(fmt: str, text: str) -> None:
    _same(fmt, text)


@pytest.mark.parametrize("text", ["02-12-2024 14:05", "2-1-2024 9:5", "31-02-2024 10:00",
                                  "29-02-2024 23:59", "01-13-2024 10:00", "01-01-2024 24:00",
                                  "01-01-2024  10:00", "01-01-2024 10:00 ", " 1-01-2024 10:00"])
def test_edge_cases_parse_as_strptime_does(text: str) -> None:
    _same("%d-%m-%Y %H:%M", text)


def test_other_directives_are_left_to_strptime() -> None:
    assert compile_format("%d %b %Y") is None and compile_format("%H:%M") is None
    assert compile_format("%d-%d-%Y") is None
