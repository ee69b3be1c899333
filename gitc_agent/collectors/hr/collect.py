"""Collect the HR exports as evidence: `hr.persons` (with the account match) and `hr.requests`.

A file that cannot be read, is not text in its encoding or lacks a mapped column is an evidence
error naming the file and the reason: the lifecycle checks then report `error` (not assessed)
and the rest of the scan goes on, because the HR export is delivered by another department and
one bad delivery must not stop the AD scan. Invalid configuration (an unknown field, a file that
does not exist) is refused earlier, when the config is loaded (exit 2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from gitc_agent.collectors.hr.persons import read_persons
from gitc_agent.collectors.hr.requests import read_requests
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.errors import InputError
from gitc_agent.model import kinds
from gitc_agent.settings.hr_config import HRSettings

COLLECTOR = "hr.files"
PERSONS, REQUESTS = kinds.HR_PERSONS, kinds.HR_REQUESTS


def _doc(kind: str, settings: HRSettings, build: Callable[[], dict[str, Any]]) -> EvidenceDoc:
    try:
        data = build()
    except OSError as exc:
        message = f"{exc.filename}: cannot read the export: {exc.strerror}"
    except InputError as exc:
        message = str(exc)
    else:
        return EvidenceDoc(kind=kind, target=settings.target, collector=COLLECTOR, data=data)
    return EvidenceDoc(kind=kind, target=settings.target, collector=COLLECTOR, data={},
                       errors=[{"part": "file", "message": message}])


def planned_kinds(settings: HRSettings) -> list[str]:
    return [PERSONS] + ([REQUESTS] if settings.requests is not None else [])


def collect(settings: HRSettings) -> Iterator[EvidenceDoc]:
    yield _doc(PERSONS, settings, lambda: read_persons(settings))
    if settings.requests is not None:
        yield _doc(REQUESTS, settings, lambda: read_requests(settings))
