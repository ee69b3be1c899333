"""ad.hygiene.functional_level: domain and forest functional levels are at least a set minimum.

Criterion: the RootDSE's `domainFunctionality` and `forestFunctionality` (the domain object's
`msDS-Behavior-Version` when the RootDSE lacks it) are each at least `min_level` (default 6,
Windows Server 2012 R2: the level from which Protected Users' DC-side protections and
authentication policies work). Levels: 0 2000, 2 2003, 3 2008, 4 2008 R2, 5 2012, 6 2012 R2,
7 2016 (also 2019 and 2022), 10 2025. One result for the domain and one for the forest.
PingCastle S-FunctionalLevel1/3/4 (which flag 2000/2003/2008 levels).
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_

from ._ad_domain import domain_value
from ._ad_hygiene import HygieneDomain, hygiene_domains

LEVELS = {0: "2000", 1: "2003 interim", 2: "2003", 3: "2008", 4: "2008 R2", 5: "2012",
          6: "2012 R2", 7: "2016", 10: "2025"}


class Params(CheckParams):
    min_level: int = Field(default=6, ge=0, le=10)


@check(
    id="ad.hygiene.functional_level",
    title="Domain and forest functional levels are current",
    likelihood=2,
    impact=3,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=Params,
    references=["PingCastle S-FunctionalLevel1", "PingCastle S-FunctionalLevel3",
                "PingCastle S-FunctionalLevel4", "ANSSI vuln1_functional_level",
                "ANSSI vuln3_functional_level", "BIO2 8.08"],
    remediation="Retire domain controllers on old Windows versions and raise the domain and "
                "forest functional levels.",
)
def judge(hd: HygieneDomain, params: Params) -> Iterator[Verdict]:
    for key, label in (("domain_level", "domain"), ("forest_level", "forest")):
        subject = subjects.aspect(hd.subject, key)
        level, problem = domain_value(hd, key, int)
        if problem:
            yield unknown(msg(_UNKNOWN[label], problem=problem), subject=subject)
            continue
        values = {"level": level, "version": LEVELS.get(level, "?")}
        if level < params.min_level:
            yield fail(msg(_BELOW[label], **values, minimum=params.min_level,
                           minimum_version=LEVELS.get(params.min_level, "?")),
                       subject=subject, level=level)
        else:
            yield ok(msg(_CURRENT[label], **values), subject=subject, level=level)


_UNKNOWN = {"domain": N_("The domain functional level could not be assessed: {problem}."),
            "forest": N_("The forest functional level could not be assessed: {problem}.")}
_BELOW = {
    "domain": N_("The domain functional level is {level} (Windows Server {version}), below the "
                 "minimum {minimum} ({minimum_version})."),
    "forest": N_("The forest functional level is {level} (Windows Server {version}), below the "
                 "minimum {minimum} ({minimum_version})."),
}
_CURRENT = {"domain": N_("The domain functional level is {level} (Windows Server {version})."),
            "forest": N_("The forest functional level is {level} (Windows Server {version}).")}
