"""`gitc-agent sample`: draw a re-performable sample from one finding's population.

The population is every result of the finding (its check on its scope, passed ones included):
what the auditor re-performs by hand. The draw is core.sampling's (SHA-256 order, any machine,
any Python). The run folder gets `sample-<check>.csv` (the subjects, with empty columns for the
manual test), `sample-<check>.json` (seed, method, size and why, the population with its hash:
enough to re-perform the draw without gitc-agent) and a workbook with a sheet per sample; all
are added to the run's manifest. A sample once drawn is part of the record: drawing it again with
the same seed and size says it is the same, anything else is refused rather than overwritten.
`--like` compares with a sample drawn earlier (another run, another machine) and says whether
its population is the same, and if not, which subjects differ.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gitc_agent.core.sampling import METHOD, draw, population_hash
from gitc_agent.errors import InputError
from gitc_agent.model.cell_text import neutralise
from gitc_agent.model.message import N_, Message, msg
from gitc_agent.report.finding_population import populations
from gitc_agent.report.findings import Finding, findings_of
from gitc_agent.report.formats.xlsx import render_xlsx
from gitc_agent.report.view import ReportView
from gitc_agent.run.input_files import parse_json, read_regular

SAMPLE_SCHEMA = "gitc-agent/sample/v1"
CSV_COLUMNS = ("order", "subject", "status", "sort_key_sha256", "result_id", "message",
               "tested_by", "tested_on", "outcome", "notes")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_SAMPLE_BYTES = 256 * 1024 * 1024


@dataclass
class Drawing:
    """What a draw produced: the files to add and what to tell the auditor."""

    record: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    notes: list[Message] = field(default_factory=list)
    unchanged: bool = False  # the same sample was drawn before: nothing to write


def choose_finding(view: ReportView, check: str, scope: str | None) -> Finding:
    mine = [f for f in findings_of(view) if f.check == check]
    if not mine:
        known = sorted({f.check for f in findings_of(view)})
        raise InputError(msg("--check {check!r}: the report has no finding of that check (checks in this "
                             "run: {items})", check=check, items=', '.join(known[:40])))
    if scope is not None:
        chosen = [f for f in mine if scope in (f.scope, f.scope_label)]
        if not chosen:
            raise InputError(msg("--scope {scope!r}: check {check} has no finding on that scope (scopes: "
                                 "{items})", scope=scope, check=check,
                                 items=', '.join(f.scope for f in mine)))
        return chosen[0]
    if len(mine) > 1:
        raise InputError(msg("check {check} has a finding on {count} scopes; say which with --scope "
                             "({items})", check=check, count=len(mine),
                             items=', '.join(f.scope for f in mine)))
    return mine[0]


def base_name(finding: Finding, several_scopes: bool) -> str:
    name = f"sample-{finding.check}"
    if several_scopes:
        name += "@" + (_SAFE.sub("_", finding.scope).strip("._-") or "scope")
    return name[:120]


def draw_sample(view: ReportView, report_sha: str, finding: Finding, seed: str, size: int,
                basis: str, name: str) -> dict[str, Any]:
    pop = populations(view).get(finding.id, ())
    by_subject = {r.subject: r for r in pop}
    drawn = draw(by_subject, seed, size)
    return {
        "schema": SAMPLE_SCHEMA, "check": finding.check, "scope": finding.scope,
        "scope_label": finding.scope_label, "finding_id": finding.id, "seed": seed,
        "method": METHOD, "size": len(drawn), "size_asked": size, "size_basis": basis,
        "population_size": len(by_subject), "population_sha256": population_hash(by_subject),
        "drawn_at": datetime.now(UTC).isoformat(timespec="seconds"), "run_id": view.run.id,
        "report_sha256": report_sha, "file": f"{name}.csv",
        "items": [{"order": d.order, "subject": d.subject, "key": d.key,
                   "status": by_subject[d.subject].status.value,
                   "result_id": by_subject[d.subject].id,
                   "message": by_subject[d.subject].message} for d in drawn],
        "population": sorted(by_subject),
    }


def sample_csv(record: Mapping[str, Any]) -> bytes:
    """UTF-8 with BOM and the formula guard, as report.csv (an auditor opens it in Excel)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in record["items"]:
        writer.writerow([neutralise(item.get(c)) for c in CSV_COLUMNS[:6]] + ["", "", "", ""])
    return buffer.getvalue().encode("utf-8-sig")


def record_bytes(record: Mapping[str, Any]) -> bytes:
    return (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode()


def load_sample(path: Path) -> dict[str, Any]:
    record = parse_json(read_regular(path, MAX_SAMPLE_BYTES, N_("sample record")), path,
                        N_("sample record"))
    if not isinstance(record, dict) or record.get("schema") != SAMPLE_SCHEMA \
            or not isinstance(record.get("items"), list):
        raise InputError(msg("not a gitc-agent sample record (schema {schema!r})",
                             schema=SAMPLE_SCHEMA), path)
    return record


def samples_in(folder: Path) -> tuple[dict[str, Any], ...]:
    """The samples recorded in a run folder, in name order (the workbook's sheet order)."""
    return tuple(load_sample(p) for p in sorted(folder.glob("sample-*.json")) if p.is_file())


def compare(record: Mapping[str, Any], earlier: Mapping[str, Any]) -> list[Message]:
    """What an auditor needs to know before calling two samples the same."""
    notes = []
    if earlier.get("population_sha256") == record["population_sha256"]:
        notes.append(msg("same population as the earlier sample ({size} subjects, sha256 {sha256})",
                         size=record["population_size"], sha256=record["population_sha256"]))
    else:
        before = set(earlier.get("population") or ())
        now = set(record["population"])
        added, removed = sorted(now - before), sorted(before - now)
        notes.append(msg("the population differs from the earlier sample's: {size_then} subjects "
                         "then (sha256 {sha256_then}), {size_now} now (sha256 {sha256_now}); "
                         "{added} added, {removed} removed",
                         size_then=earlier.get("population_size"),
                         sha256_then=earlier.get("population_sha256"),
                         size_now=record["population_size"], sha256_now=record["population_sha256"],
                         added=len(added), removed=len(removed)))
        notes += ([msg("  added: {subject}", subject=s) for s in added[:20]]
                  + [msg("  removed: {subject}", subject=s) for s in removed[:20]])
    if earlier.get("seed") != record["seed"]:
        notes.append(msg("the seed differs ({seed_then!r} then, {seed_now!r} now)",
                         seed_then=earlier.get("seed"), seed_now=record["seed"]))
    same = [i.get("subject") for i in earlier.get("items", [])] == \
        [i["subject"] for i in record["items"]]
    notes.append(msg("the sample is the same") if same else msg("the sample is not the same"))
    return notes


def prepare(folder: Path, view: ReportView, report_sha: str, finding: Finding, seed: str,
            size: int, basis: str, like: Path | None) -> Drawing:
    several = sum(1 for f in findings_of(view) if f.check == finding.check) > 1
    name = base_name(finding, several)
    record = draw_sample(view, report_sha, finding, seed, size, basis, name)
    drawing = Drawing(record)
    if record["size"] < size:
        drawing.notes.append(msg("the population has {population} subjects: all of them are in "
                                 "the sample (asked for {size})",
                                 population=record["population_size"], size=size))
    if like is not None:
        drawing.notes += compare(record, load_sample(like))
    existing = folder / f"{name}.json"
    if existing.exists():
        before = load_sample(existing)
        if (before.get("seed"), before.get("size_asked")) == (seed, size):
            drawing.unchanged = True
            drawing.record = before
            drawing.notes.append(msg("this sample was drawn before ({name}, {drawn_at}): the same "
                                     "seed and size give the same sample; nothing was changed",
                                     name=existing.name, drawn_at=before.get("drawn_at")))
            return drawing
        raise InputError(msg("{name} already records a sample of this finding (seed {seed!r}, "
                             "size {size_asked}); a sample in the audit trail is not replaced: draw on a "
                             "new run, or re-draw with the same seed and size",
                             name=existing.name, seed=before.get('seed'),
                             size_asked=before.get('size_asked')), folder)
    samples = [s for s in samples_in(folder) if s.get("file") != record["file"]]
    samples = sorted([*samples, record], key=lambda s: str(s.get("file")))
    drawing.files = {f"{name}.csv": sample_csv(record), f"{name}.json": record_bytes(record),
                     "report.xlsx": render_xlsx(view, samples)}
    return drawing


def policy_size(view: ReportView, check: str, policy_ref: str | None) -> tuple[int, str]:
    """The sample size the policy sets for the check's control frequency (`--policy-sizes`).

    The policy is the one given, else the one the run was evaluated with (its recorded path,
    if the file there still has the recorded SHA-256: a changed policy is not the run's)."""
    from gitc_agent.core.policy import resolve_policy_path
    from gitc_agent.core.sampling import SamplingModel
    from gitc_agent.settings.yaml_source import load_yaml

    if policy_ref is None:
        recorded = view.document.get("run", {}).get("policy", {}).get("source")
        if not isinstance(recorded, str) or not Path(recorded).is_file():
            raise InputError(msg("--policy-sizes: the run's policy file is not here; name it with --policy"))
        path = Path(recorded)
    else:
        path = resolve_policy_path(policy_ref)
    doc = load_yaml(path)
    if policy_ref is None and _sha256(doc.text) != view.run.policy.sha256:
        raise InputError(msg("--policy-sizes: the run's policy file changed since the run (its SHA-256 "
                             "differs); name the policy with --policy"), path)
    section = doc.data.get("sampling") if isinstance(doc.data, dict) else None
    try:
        sampling = SamplingModel.model_validate(section or {})
    except ValueError as exc:
        raise doc.validation_error(exc, prefix=("sampling",)) from None  # type: ignore[arg-type]
    found = sampling.size_for(check)
    if found is None:
        raise InputError(msg("--policy-sizes: the policy gives no control frequency for {check} (sampling: "
                             "frequency: {{check: monthly, ...}}); or use --size N", check=check), path)
    return found


def _sha256(text: str) -> str:
    import hashlib
    return hashlib.sha256(text.encode()).hexdigest()


def sample_command(target: Path, check: str, scope: str | None, seed: str, size: int | None,
                   policy_ref: str | None, key: Any, like: Path | None,
                   policy_sizes: bool = False) -> list[Message]:
    """Draw, write the files into the run folder and record them in its manifest; the lines
    to show the auditor."""
    from gitc_agent.report.followup import load_report
    from gitc_agent.run.locking import output_lock
    from gitc_agent.run.manifest_update import add_files
    from gitc_agent.run.verify import run_folder

    if not seed.strip():
        raise InputError(msg("--seed must not be empty"))
    folder = run_folder(target)
    report, report_sha = load_report(folder / "report.json")
    view = ReportView.of(report)
    finding = choose_finding(view, check, scope)
    if policy_sizes:
        size, basis = policy_size(view, check, policy_ref)
    else:
        assert size is not None
        basis = f"--size {size}"
    with output_lock(folder.parent):
        drawing = prepare(folder, view, report_sha, finding, seed, size, basis, like)
        if not drawing.unchanged:
            add_files(folder, drawing.files, key)
    rec = drawing.record
    lines = [msg("sample of {check} on {scope}: {size} of {population} subjects (seed {seed!r}; "
                 "{basis})", check=rec["check"], scope=rec["scope_label"], size=rec["size"],
                 population=rec["population_size"], seed=rec["seed"], basis=rec["size_basis"]),
             msg("population sha256 {sha256}", sha256=rec["population_sha256"]),
             msg("method: {method}", method=rec["method"])]
    lines += [msg("{order:>4}  {subject}  ({status})", order=i["order"], subject=i["subject"],
                  status=i["status"]) for i in rec["items"]]
    lines += drawing.notes
    if not drawing.unchanged:
        lines.append(msg("wrote {items} into {folder} and its manifest",
                         items=', '.join(drawing.files), folder=folder))
    return lines
