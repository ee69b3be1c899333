"""Several evidence folders evaluated as one (`evaluate --evidence DIR --evidence DIR ...`).

Large organisations collect per site or per domain; the audit judges them together. Each
collection keeps what makes it evidence: its own files byte for byte, its own plan and hashes,
in its own folder of the run (`evidence/<n>-<folder name>/`), and results cite their file by
that path. The evaluation is against the union of the plans (written as `evidence/plan.json`),
so anything one collection planned but did not bring is still an `error`.

The same target (kind@target) in two collections is refused: two copies of one domain or host,
collected at different times, would be judged twice and could disagree, and which one is the
evidence would be a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitc_agent.core.evidence import (
    MAX_EVIDENCE_BYTES,
    EvidenceDoc,
    load_evidence,
    release_data,
)
from gitc_agent.core.plan import PLAN_FILE, Plan, load_plan, make_plan, plan_bytes
from gitc_agent.errors import InputError
from gitc_agent.model.message import N_, msg
from gitc_agent.run.atomic import create_new, make_new_dir
from gitc_agent.run.input_files import read_regular, read_regular_pieces

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Collection:
    label: str  # its folder inside the run's evidence folder
    source: Path
    docs: tuple[EvidenceDoc, ...]  # `file` is the name in `source`
    files: tuple[dict[str, str], ...]  # name and SHA-256 as read
    plan: Plan | None

    def describe(self) -> dict[str, Any]:
        return {"label": self.label, "source": str(self.source), "documents": len(self.docs),
                "plan": None if self.plan is None else {
                    "file": f"{self.label}/{PLAN_FILE}", "sha256": self.plan.sha256,
                    "kinds": len(self.plan.kinds), "targets": len(self.plan.targets)}}


@dataclass(frozen=True)
class Collections:
    items: tuple[Collection, ...]
    docs: list[EvidenceDoc]  # `file` is `<label>/<name>`, as the run keeps them
    files: list[dict[str, str]]
    plan: Plan | None  # the union of the plans; None when no collection has one

    def describe(self) -> list[dict[str, Any]]:
        return [c.describe() for c in self.items]

    def copy_into(self, folder: Path) -> None:
        """Fill a run's new staging evidence folder: each collection's files byte for byte in
        its own folder, and the union plan beside them."""
        for c in self.items:
            make_new_dir(folder / c.label)
            for doc in c.docs:
                create_new(folder / c.label / str(doc.file),  # in pieces: not held whole
                           read_regular_pieces(c.source / str(doc.file), MAX_EVIDENCE_BYTES,
                                               N_("evidence file")))
            if c.plan is not None:
                create_new(folder / c.label / PLAN_FILE,
                           read_regular(c.source / PLAN_FILE, 64 * 1024 * 1024,
                                        N_("collection plan")))
        if self.plan is not None:
            create_new(folder / PLAN_FILE, plan_bytes(self.plan))


def _label(index: int, folder: Path) -> str:
    name = _UNSAFE.sub("_", folder.resolve().name).strip("._-")[:60] or "evidence"
    return f"{index}-{name}"


def load_collections(folders: list[Path]) -> Collections:
    """Read every folder (each as `evaluate --evidence` reads one); refuse a folder given twice
    and a target collected twice (exit 2)."""
    seen_folders: dict[Path, Path] = {}
    for folder in folders:
        real = folder.resolve()
        if real in seen_folders:
            raise InputError(msg("--evidence names the same folder twice ({seen_folders} and {folder})",
                                 seen_folders=seen_folders[real], folder=folder), folder)
        seen_folders[real] = folder
    items = []
    where: dict[tuple[str, str], tuple[Path, str]] = {}
    for index, folder in enumerate(folders, start=1):
        evidence, files = load_evidence(folder)
        docs = tuple(evidence)
        for doc in docs:
            key = (doc.kind, doc.target)
            if key in where:
                other, other_file = where[key]
                raise InputError(msg("{kind}@{target} was collected twice: in {other} ({other_file}) "
                                     "and in {folder} ({file}); evaluate each target from one "
                                     "collection only", kind=doc.kind, target=doc.target,
                                     other=other, other_file=other_file, folder=folder,
                                     file=doc.file), folder / str(doc.file))
            where[key] = (folder, str(doc.file))
        items.append(Collection(label=_label(index, folder), source=folder, docs=docs,
                                files=tuple(files), plan=load_plan(folder)))
    docs, named = [], []
    for c in items:
        by_name = {f["file"]: f["sha256"] for f in c.files}
        for doc in c.docs:
            name = str(doc.file)
            copy = EvidenceDoc(kind=doc.kind, target=doc.target, collector=doc.collector,
                               data=doc.data, errors=doc.errors, collected_at=doc.collected_at,
                               tool_version=doc.tool_version, file=f"{c.label}/{name}")
            docs.append(copy)
            named.append({"file": copy.file or "", "sha256": by_name[name]})
    release_data(d for c in items for d in c.docs)  # the copies hold the data; these name files
    plans = [c.plan for c in items if c.plan is not None]
    plan = None
    if plans:
        plan = make_plan(set().union(*(p.kinds for p in plans)),
                         set().union(*(p.targets for p in plans)),
                         created_at=max(p.created_at for p in plans))
    return Collections(items=tuple(items), docs=docs, files=named, plan=plan)
