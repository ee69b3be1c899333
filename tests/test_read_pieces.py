"""run.input_files.read_regular_pieces: what a run copies its evidence with, in pieces, under the
same rules as read_regular (regular file only, size limit, clear InputError)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitc_agent.errors import InputError
from gitc_agent.run.input_files import read_regular, read_regular_pieces


def test_pieces_are_the_file(tmp_path: Path) -> None:
    path = tmp_path / "evidence.json"
    data = os.urandom(3 * 1024 * 1024 + 17)
    path.write_bytes(data)
    pieces = list(read_regular_pieces(path, len(data), "evidence file", piece=1 << 20))
    assert b"".join(pieces) == data == read_regular(path, len(data), "evidence file")
    assert [len(p) for p in pieces] == [1 << 20] * 3 + [17]


def test_larger_than_the_limit_is_refused_like_read_regular(tmp_path: Path) -> None:
    path = tmp_path / "evidence.json"
    path.write_bytes(b"x" * 5000)
    with pytest.raises(InputError) as whole:
        read_regular(path, 4096, "evidence file")
    with pytest.raises(InputError) as pieces:
        b"".join(read_regular_pieces(path, 4096, "evidence file", piece=1000))
    assert str(pieces.value) == str(whole.value) and str(path) in str(pieces.value)


@pytest.mark.parametrize("kind", ["fifo", "directory", "missing"])
def test_not_a_regular_file_is_refused_like_read_regular(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "evidence.json"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    with pytest.raises(InputError) as whole:
        read_regular(path, 4096, "evidence file")
    with pytest.raises(InputError) as pieces:
        list(read_regular_pieces(path, 4096, "evidence file"))
    assert str(pieces.value) == str(whole.value)
