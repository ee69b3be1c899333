"""Malformed, truncated, huge, mis-encoded and hostile input: a clear error (exit 2), never a
traceback. Property-based over the loaders, plus the classic attacks by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitc_agent.core.evidence import EvidenceDoc, load_evidence, save_evidence
from gitc_agent.core.policy import load_policy
from gitc_agent.core.registry import discover
from gitc_agent.errors import InputError
from gitc_agent.settings.config import load_config
from gitc_agent.settings.yaml_source import MAX_BYTES
from tests.cli_run import gitc

REGISTRY = discover(use_entry_points=False)
SHIPPED = (Path(__file__).parents[1] / "policies" / "adr-gitc.yaml").read_bytes()
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

yaml_ish = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=4),
    max_leaves=20)


def _only_input_errors(load, path: Path) -> None:
    try:
        load(path)
    except InputError as exc:
        assert str(exc)
        assert exc.file is None or exc.file.startswith(str(path))


@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes_as_policy_or_config(tmp_path_factory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "f.yaml"
    path.write_bytes(data)
    _only_input_errors(lambda p: load_policy(str(p), REGISTRY), path)
    _only_input_errors(load_config, path)


@FUZZ
@given(cut=st.integers(min_value=0, max_value=len(SHIPPED)), flip=st.integers(0, 255),
       at=st.integers(min_value=0, max_value=len(SHIPPED) - 1))
def test_truncated_or_damaged_shipped_policy(tmp_path_factory, cut: int, flip: int,
                                             at: int) -> None:
    data = bytearray(SHIPPED[:cut] if cut else SHIPPED)
    if at < len(data):
        data[at] = flip
    path = tmp_path_factory.mktemp("fuzz") / "p.yaml"
    path.write_bytes(bytes(data))
    _only_input_errors(lambda p: load_policy(str(p), REGISTRY), path)


@FUZZ
@given(doc=yaml_ish)
def test_structured_nonsense_as_config_and_policy(tmp_path_factory, doc) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "c.yaml"
    path.write_text(json.dumps(doc))  # JSON is YAML
    _only_input_errors(load_config, path)
    _only_input_errors(lambda p: load_policy(str(p), REGISTRY), path)


@FUZZ
@given(doc=yaml_ish)
def test_structured_nonsense_as_evidence(tmp_path_factory, doc) -> None:
    folder = tmp_path_factory.mktemp("ev")
    (folder / "e.json").write_text(json.dumps(doc))
    _only_input_errors(load_evidence, folder)


@FUZZ
@given(data=st.binary(max_size=300) | yaml_ish.map(lambda d: json.dumps(d).encode()))
def test_random_feed_files(tmp_path_factory, data: bytes) -> None:
    from gitc_agent.collectors import feeds
    from gitc_agent.settings.config import FeedSettings

    path = tmp_path_factory.mktemp("feed") / "kev.json"
    path.write_bytes(data)
    _only_input_errors(lambda p: feeds.collect(FeedSettings(kev_catalog=p, kev_fix_map=p)), path)


HOSTILE = {
    "billion-laughs": ('a: &a ["x","x","x","x","x","x","x","x","x"]\n'
                       'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n',
                       "aliases"),
    "python-tag": ("policy: !!python/object/apply:os.system ['echo pwned']\n", "tag"),
    "custom-tag": ("policy: !secret x\n", "tag"),
    "merge-key": ("base: {a: 1}\npolicy: {<<: {a: 1}}\n", "merge"),
    "duplicate-key": ("policy: {id: a}\npolicy: {id: b}\n", "duplicate key"),
    "utf16": ("policy: x\n".encode("utf-16"), "not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_yaml_is_refused_with_exit_2(tmp_path: Path, case: str) -> None:
    content, message = HOSTILE[case]
    path = tmp_path / "p.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    run = gitc("policy", "validate", path)
    assert run.code == 2 and message in run.stderr and "Traceback" not in run.output
    assert str(path) in run.stderr
    assert not (tmp_path / "pwned").exists()


def test_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("w") as handle:
        handle.write("x: '")
        handle.write("a" * (MAX_BYTES + 10))
        handle.write("'\n")
    run = gitc("policy", "validate", path)
    assert run.code == 2 and "refused" in run.stderr


def test_evidence_target_cannot_escape_the_evidence_folder(tmp_path: Path) -> None:
    doc = EvidenceDoc(kind="ad.password_policy", target="../../../etc/cron.d/evil",
                      collector="test", data={})
    folder = tmp_path / "ev"
    save_evidence([doc], folder)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) == 1 and written[0].parent == folder
    assert "/" not in written[0].name and ".." not in written[0].name


def test_evidence_kind_with_a_path_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ev"
    folder.mkdir()
    (folder / "x.json").write_text(json.dumps({
        "schema": "gitc-agent/evidence/v1", "kind": "../../x", "target": "t", "collector": "c",
        "data": {}, "errors": [], "collected_at": "2026-11-16T07:00:00+00:00"}))
    with pytest.raises(InputError, match="kind"):
        load_evidence(folder)
