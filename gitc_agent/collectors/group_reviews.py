"""Collect the review records of group re-certifications from the configured folder.

Each `*.json` file is one record written by `gitc-agent review import`. A file that cannot be
read or is not a complete record is not dropped quietly: it is named in the evidence `errors`
(part `records`), and the checks then report every group as not assessed, because the unread
file may hold the last review of any of them.
"""

from __future__ import annotations

import hashlib

from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.errors import InputError
from gitc_agent.model.group_review import RecordError, parse_record
from gitc_agent.model.kinds import AD_GROUP_REVIEWS
from gitc_agent.model.message import N_
from gitc_agent.run.input_files import parse_json, read_regular
from gitc_agent.settings.group_reviews_config import GroupReviewsSettings

KIND = AD_GROUP_REVIEWS
MAX_RECORD_BYTES = 64 * 1024 * 1024
MAX_RECORDS = 10_000


def collect(settings: GroupReviewsSettings) -> EvidenceDoc:
    folder = settings.folder
    records, files, errors = [], [], []
    try:
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".json")
    except OSError as exc:
        return EvidenceDoc(kind=KIND, target=settings.target, collector="group_reviews",
                           data={}, errors=[{"part": "records", "message":
                                             f"cannot list {folder}: {exc.strerror or exc}"}])
    if len(paths) > MAX_RECORDS:
        errors.append({"part": "records", "message": f"{folder} holds {len(paths)} files, more "
                                                     f"than the {MAX_RECORDS} read"})
        paths = paths[:MAX_RECORDS]
    for path in paths:
        try:
            raw = read_regular(path, MAX_RECORD_BYTES, N_("review record"),
                               follow=settings.follow_symlinks)
            record = parse_record(parse_json(raw, path, N_("review record")), path.name)
        except InputError as exc:
            errors.append({"part": "records", "message": f"{path.name}: {exc.message}"})
            continue
        except RecordError as exc:
            errors.append({"part": "records", "message": f"{path.name}: not a complete review "
                                                         f"record: {exc}"})
            continue
        records.append({**record.to_dict(), "file": path.name})
        files.append({"file": path.name, "sha256": hashlib.sha256(raw).hexdigest(), "records": 1})
    data = {"folder": str(folder), "count": len(records), "records": records, "files": files}
    return EvidenceDoc(kind=KIND, target=settings.target, collector="group_reviews", data=data,
                       errors=errors)


def planned(settings: GroupReviewsSettings) -> set[tuple[str, str]]:
    return {(KIND, settings.target)}

