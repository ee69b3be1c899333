"""The trusts of each domain, one at a time, for the ad.trusts.* checks.

Why a walker of its own: a trust is the subject of these checks, and "no trusts" may only be
concluded when the trusts could be read (CN=System visible, the search answered); otherwise the
domain is one `error`. An attribute of a trust that is missing makes that trust `error` in the
check that needs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gitc_agent.core.check_api import EvidenceSet, Outcome, Status, msg
from gitc_agent.model import subjects
from gitc_agent.model.hygiene import (
    TRUST_DIRECTION_OUTBOUND,
    TRUST_FOREST_TRANSITIVE,
    TRUST_WITHIN_FOREST,
    Trust,
)

from ._ad_hygiene import HygieneDomain, hygiene_domains


@dataclass
class TrustItem:
    trust: Trust
    domain: HygieneDomain

    @property
    def subject(self) -> str:
        return subjects.trust(self.trust.partner or self.trust.name)  # partner: see trusts()

    @property
    def source(self) -> dict[str, Any]:
        return {**self.domain.source, "trust": self.trust.name}

    @property
    def as_of(self) -> datetime:
        return self.domain.as_of

    @property
    def outbound(self) -> bool:
        """This domain trusts the partner (outbound or two-way): its DCs accept the partner's
        tickets, so its settings on this trust protect this domain."""
        return bool((self.trust.direction or 0) & TRUST_DIRECTION_OUTBOUND)

    @property
    def kind(self) -> str:
        attributes = self.trust.attributes or 0
        if attributes & TRUST_WITHIN_FOREST:
            return "within the forest"
        if attributes & TRUST_FOREST_TRANSITIVE:
            return "forest"
        return "external"


@dataclass
class NoTrusts:
    """A domain whose trusts were read and that has none: one passing result per check."""

    domain: HygieneDomain

    @property
    def subject(self) -> str:
        return self.domain.subject

    @property
    def source(self) -> dict[str, Any]:
        return self.domain.source


def trusts(evidence: EvidenceSet) -> Iterator[TrustItem | NoTrusts | Outcome]:
    for item in hygiene_domains(evidence):
        if isinstance(item, Outcome):
            if item.subject.startswith(subjects.domain("")):
                yield item  # per-account problems do not concern trusts
            continue
        listed, problem = item.hygiene.trusts()
        if problem or listed is None:
            yield Outcome(item.subject, Status.ERROR,
                          msg("the trusts could not be read, so they were not assessed: {problem}",
                              problem=problem), item.source)
            continue
        if not listed:
            yield NoTrusts(item)
        for trust in listed:
            if not trust.partner:  # the subject would change: it cannot be followed up
                yield Outcome(subjects.trust(trust.name), Status.ERROR,
                              msg("the trust {trust} has no readable trustPartner, so it was not "
                                  "assessed.", trust=trust.name), item.source)
                continue
            yield TrustItem(trust, item)
