"""Policy files: shipped profiles carry the norms; a wrong policy names file and line, exits 2
and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitc_agent.core.policy import load_policy, shipped_profiles
from gitc_agent.core.registry import discover
from gitc_agent.errors import InputError
from tests.cli_run import gitc

SHIPPED = Path(__file__).parents[1] / "policies" / "adr-gitc.yaml"


@pytest.mark.parametrize(("profile", "length"), [("adr-gitc", 12), ("cis-windows-2022", 14),
                                                 ("nist-800-63b", 15)])
def test_shipped_profiles_carry_their_minimum_length(profile: str, length: int) -> None:
    policy = load_policy(profile, discover())
    by_id = {c.id: c for c in policy.checks}
    assert by_id["ad.password.min_length"].params.min_length == length
    assert policy.id == profile
    assert len(policy.sha256) == 64
    assert len(policy.matrix.cells) == 25


def test_every_shipped_profile_is_listed() -> None:
    assert {"adr-gitc", "cis-windows-2022", "nist-800-63b"} <= set(shipped_profiles())


def test_matrix_is_a_lookup_not_a_product() -> None:
    matrix = load_policy("adr-gitc", discover()).matrix
    assert matrix.priority(5, 1) == "zeer-laag"  # 5 x 1 = 5, yet the table says very low
    assert matrix.priority(1, 5) == "laag"
    assert matrix.priority(5, 5) == "zeer-hoog"
    assert matrix.rank("zeer-hoog") > matrix.rank("hoog") > matrix.rank("laag")


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text()
    assert old in text, old
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


CASES = {
    "bad-yaml": ("    min_length: 12", "    min_length: 12: 13", "invalid YAML",
                 "min_length: 12: 13"),
    "unknown-check": ("  ad.password.settings:\n", "  ad.password.setings:\n",
                      "unknown check id 'ad.password.setings'", "ad.password.setings"),
    "missing-cell": ("  3: [zeer-laag, laag, midden, midden, hoog]",
                     "  3: [zeer-laag, laag, midden, midden]", "the cell for impact 5 is missing",
                     "  3: [zeer"),
    "unknown-band": ("  2: [zeer-laag, laag, laag, laag, midden]",
                     "  2: [zeer-laag, laag, laag, laag, urgent]", "'urgent' is not a priority",
                     "  2: [zeer"),
    "bad-param": ("    min_length: 12", "    min_length: twelve", "min_length",
                  "min_length: twelve"),
    "unknown-param": ("    min_length: 12", "    min_lenght: 12", "unknown key", "min_lenght"),
    "alias": ("    history_min: 24", "    history_min: *x", "alias", "history_min: *x"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_policy_exits_2_with_file_and_line_and_writes_nothing(tmp_path: Path,
                                                                        case: str) -> None:
    old, new, message, line_needle = CASES[case]
    policy = _broken(tmp_path, old, new)
    out = tmp_path / "out"
    run = gitc("demo", "--policy", policy, "--out", out)
    assert run.code == 2, run.output
    line = _line_of(policy, line_needle)
    assert f"{policy}:{line}:" in run.stderr
    assert message in run.stderr
    assert "Traceback" not in run.output
    assert not out.exists()
    validate = gitc("policy", "validate", policy)
    assert validate.code == 2 and f"{policy}:{line}:" in validate.stderr


def test_exception_for_a_check_the_policy_does_not_list_is_refused(tmp_path: Path) -> None:
    policy = _broken(tmp_path, "exceptions: []", """exceptions:
  - check: ad.password.nope
    subject: "*"
    owner: CISO
    reason: x
    expires: 2030-01-01""")
    with pytest.raises(InputError) as info:
        load_policy(str(policy), discover())
    assert info.value.line == _line_of(policy, "check: ad.password.nope")


def test_exception_without_owner_is_refused(tmp_path: Path) -> None:
    policy = _broken(tmp_path, "exceptions: []", """exceptions:
  - check: ad.password.min_length
    subject: "*"
    reason: x
    expires: 2030-01-01""")
    with pytest.raises(InputError, match="owner"):
        load_policy(str(policy), discover())


def test_policy_validate_accepts_the_shipped_file() -> None:
    run = gitc("policy", "validate", SHIPPED, "--lang", "en")  # adr-gitc itself speaks Dutch
    assert run.code == 0, run.output
    assert "valid policy adr-gitc" in run.stdout


def test_shared_parameters_reach_every_check_that_reads_them(tmp_path: Path) -> None:
    policy = _broken(tmp_path, "  approved: []", """  approved:
    - {account: jdoe-adm, group: "RID:512", until: 2027-03-31, approved_by: CISO}""")
    by_id = {c.id: c for c in load_policy(str(policy), discover()).checks}
    for check_id in ("ad.privileged.unapproved_member", "ad.privileged.approval_expired"):
        assert [a.account for a in by_id[check_id].params.approved] == ["jdoe-adm"]


def test_a_check_section_overrides_a_shared_parameter(tmp_path: Path) -> None:
    policy = _broken(tmp_path, "  ad.privileged.approval_expired:\n",
                     "  ad.privileged.approval_expired:\n    approved: []\n")
    policy.write_text(policy.read_text().replace("  approved: []  ", """  approved:
    - {account: x-adm, group: "RID:512", until: 2027-03-31, approved_by: CISO}
   """, 1))
    by_id = {c.id: c for c in load_policy(str(policy), discover()).checks}
    assert [a.account for a in by_id["ad.privileged.unapproved_member"].params.approved] == [
        "x-adm"]
    assert by_id["ad.privileged.approval_expired"].params.approved == []


def test_bad_or_unused_shared_parameters_point_at_the_shared_section(tmp_path: Path) -> None:
    policy = _broken(tmp_path, "  approved: []", "  approved: [{account: a, group: 12}]\n"
                                                 "  aproved: []")
    with pytest.raises(InputError) as info:
        load_policy(str(policy), discover())
    assert "shared.approved" in str(info.value) and info.value.line == _line_of(policy,
                                                                                "account: a")
    policy = _broken(tmp_path, "  approved: []", "  approved: []\n  aproved: []")
    with pytest.raises(InputError, match="'aproved' is read by no enabled check") as info:
        load_policy(str(policy), discover())
    assert info.value.line == _line_of(policy, "aproved")
