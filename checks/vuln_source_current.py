"""vuln.source.current: each configured advisory source on disk is kept up to date.

The newest advisory (latest `current_release_date`) of each source is compared with the time
the source was read: older than the policy allows (per source, e.g. NCSC-NL publishes several
advisories a week, Microsoft monthly) means the mirror is not being refreshed, so the process
that should bring new advisories in is not working. A source that could not be read, or holds no
advisories, is an `error`.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import (
    CheckParams,
    EvidenceSet,
    Outcome,
    Status,
    Verdict,
    check,
    fail,
    msg,
    ok,
    unknown,
)
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model.kinds import FEED_CSAF
from gitc_agent.model.timeutil import parse_time

from ._advisories import REFERENCES, feed_subject


class Params(CheckParams):
    max_age_days: int = Field(default=14, ge=1, le=3650)
    per_source: dict[str, int] = Field(default_factory=dict)  # source name -> days


class Source:
    def __init__(self, doc: EvidenceDoc):
        self.doc = doc

    @property
    def subject(self) -> str:
        return feed_subject(self.doc)

    @property
    def source(self) -> dict[str, str]:
        return self.doc.source


def _sources(evidence: EvidenceSet) -> Iterator[Source | Outcome]:
    for doc in evidence.of_kind(FEED_CSAF):
        fatal = [e for e in doc.errors if e.get("part") not in ("document", "listing")]
        records = (doc.data or {}).get("advisories")
        if fatal or not isinstance(records, list) or not records:
            why = fatal[0].get("message") if fatal else msg("it holds no advisories")
            yield Outcome(feed_subject(doc), Status.ERROR, msg(
                "advisory source {source} could not be read ({reason}), so whether it is kept "
                "up is unknown.", source=doc.target, reason=why), doc.source)
        else:
            yield Source(doc)


@check(
    id="vuln.source.current",
    title="Each advisory source on disk is kept up to date",
    likelihood=3,
    impact=4,
    evidence=[FEED_CSAF],
    each=_sources,
    params=Params,
    references=[*REFERENCES, "NCSC-NL: do not rely on the advisories as the only source"],
    remediation="Refresh the local mirror of the source (csaf_downloader or the provider's "
                "ROLIE feed) on a schedule, and check that the job runs.",
)
def judge(src: Source, params: Params) -> Verdict:
    doc = src.doc
    newest, read_at = parse_time(doc.data.get("newest_release")), parse_time(doc.collected_at)
    limit = params.per_source.get(doc.target, params.max_age_days)
    counts = doc.data.get("counts") or {}
    evidence = {"source": doc.target, "path": doc.data.get("path"),
                "newest_release": doc.data.get("newest_release"), "max_age_days": limit,
                "documents": counts}
    if newest is None or read_at is None:
        return unknown(msg("advisory source {source}: the newest release date or the time it "
                           "was read is unreadable, so its age is unknown.", source=doc.target),
                       **evidence)
    age = (read_at - newest).days
    values = {"source": doc.target, "age": age, "newest": newest.date(), "limit": limit}
    invalid = counts.get("invalid")
    if age > limit:
        values["read"] = read_at.date()
        if invalid:
            text = msg("advisory source {source}: the newest advisory is {age} days old "
                       "({newest}) when read on {read}, more than the {limit} days allowed: the "
                       "source is not being kept up. {invalid} document(s) could not be used.",
                       invalid=invalid, **values)
        else:
            text = msg("advisory source {source}: the newest advisory is {age} days old "
                       "({newest}) when read on {read}, more than the {limit} days allowed: the "
                       "source is not being kept up.", **values)
        return fail(text, age_days=age, **evidence)
    if invalid:
        text = msg("advisory source {source}: the newest advisory is {age} day(s) old "
                   "({newest}), within {limit} days. {invalid} document(s) could not be used.",
                   invalid=invalid, **values)
    else:
        text = msg("advisory source {source}: the newest advisory is {age} day(s) old "
                   "({newest}), within {limit} days.", **values)
    return ok(text, age_days=age, **evidence)
