"""Policy files: the norms (which checks, thresholds, scoring, exceptions).

Owned by the security officer and reused across environments. Everything is validated before a
run starts, against the registered checks' own parameter models, and every problem is reported
with file and line (exit code 2, nothing written).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from gitc_agent.core.check_api import CheckParams, CheckSpec
from gitc_agent.core.registry import Registry
from gitc_agent.core.sampling import SamplingModel
from gitc_agent.core.scoring import Band, RiskMatrix, scale_problem
from gitc_agent.errors import InputError
from gitc_agent.model.language import LANGUAGES
from gitc_agent.model.message import msg
from gitc_agent.settings.base import Strict
from gitc_agent.settings.yaml_source import YamlDocument, load_yaml

_META_KEYS = {"enabled", "likelihood", "impact", "references", "remediation", "finding_scoring"}


class PolicyMeta(Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    title: str
    version: str
    description: str = ""
    owner: str = ""
    # the report's language unless --lang says otherwise (gitc_agent.model.language)
    language: Literal[LANGUAGES] | None = None  # type: ignore[valid-type]


class ScaleModel(Strict):
    likelihood: dict[int, str] = Field(min_length=2)
    impact: dict[int, str] = Field(min_length=2)


class PriorityModel(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    label: str
    color: str = Field(default="#888888", pattern=r"^#[0-9a-fA-F]{6}$")


class CheckSectionModel(BaseModel):
    """Meta keys of a check section; all other keys are the check's own parameters."""

    model_config = ConfigDict(extra="allow")
    enabled: bool = True
    likelihood: int | None = None
    impact: int | None = None
    references: list[str] = Field(default_factory=list)
    remediation: str | None = None
    # how the finding (check on a scope) is scored: raise (the default: the check's likelihood and
    # impact, raised by the worst deviation), worst (the worst deviation's), check (the defaults)
    finding_scoring: Literal["raise", "worst", "check"] | None = None


class ExceptionModel(Strict):
    check: str
    subject: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    expires: date
    reference: str = ""


class PolicyModel(Strict):
    policy: PolicyMeta
    scale: ScaleModel
    priorities: list[PriorityModel] = Field(min_length=2)
    matrix: dict[int, list[str]]
    checks: dict[str, CheckSectionModel] = Field(min_length=1)
    # Parameters that several checks read (approved memberships, the impersonal-account
    # register, ...): written once here, given to every check that has a parameter of that name
    # and does not set it itself.
    shared: dict[str, Any] = Field(default_factory=dict)
    exceptions: list[ExceptionModel] = Field(default_factory=list)
    sampling: SamplingModel = Field(default_factory=SamplingModel)  # sizes for `gitc-agent sample`


@dataclass(frozen=True)
class PolicyCheck:
    """One enabled check as the policy configures it; `spec` is None if its plugin failed."""

    id: str
    spec: CheckSpec | None
    params: CheckParams | None
    likelihood: int | None
    impact: int | None
    references: tuple[str, ...]
    remediation: str | None
    finding_scoring: str | None = None  # see CheckSectionModel


@dataclass(frozen=True)
class PolicyException:
    check: str
    subject: str
    owner: str
    reason: str
    expires: date
    reference: str

    def matches(self, check_id: str, subject: str) -> bool:
        return self.check == check_id and _glob(self.subject).fullmatch(subject) is not None

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "subject": self.subject, "owner": self.owner,
                "reason": self.reason, "expires": self.expires.isoformat(),
                "reference": self.reference}


@dataclass
class Policy:
    id: str
    title: str
    version: str
    source: str
    sha256: str
    matrix: RiskMatrix
    checks: list[PolicyCheck]
    exceptions: list[PolicyException]
    language: str | None = None  # None: the policy does not say (English unless --lang)

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "version": self.version,
                "sha256": self.sha256, "source": self.source}


def _glob(pattern: str) -> re.Pattern[str]:
    """Exception subject patterns: `*` matches anything, everything else is literal."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


def shipped_profiles() -> list[str]:
    folder = resources.files("gitc_agent.policies")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def resolve_policy_path(ref: str) -> Path:
    """A path to a policy file, or the name of a shipped profile (e.g. `adr-gitc`)."""
    candidate = Path(ref)
    if candidate.exists():
        return candidate
    shipped = resources.files("gitc_agent.policies") / f"{ref}.yaml"
    if shipped.is_file():
        return Path(str(shipped))
    raise InputError(msg("no policy file or shipped profile named {ref!r} (shipped: {items})",
                         ref=ref, items=', '.join(shipped_profiles())))


def load_policy(ref: str, registry: Registry) -> Policy:
    path = resolve_policy_path(ref)
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise InputError(msg("a policy must be a mapping with policy, scale, priorities, matrix "
                             "and checks"), path, 1)
    try:
        model = PolicyModel.model_validate(doc.data)
    except ValidationError as exc:
        raise doc.validation_error(exc) from None
    _refuse_repeated_levels(doc)
    matrix = _matrix(model, doc)
    checks = [_policy_check(cid, section, registry, matrix, doc, model.shared)
              for cid, section in model.checks.items() if section.enabled]
    used = {name for c in checks if c.spec for name in _param_names(c.spec.params)}
    for name in model.shared:
        if name not in used:
            raise doc.error(("shared", name), msg("shared parameter {name!r} is read by no enabled check "
                                                  "of this policy (check the spelling)", name=name))
    known = set(model.checks)
    exceptions = []
    for index, exc_model in enumerate(model.exceptions):
        if exc_model.check not in known:
            raise doc.error(("exceptions", index, "check"),
                            msg("exception for {check!r}, which this policy does not list",
                                check=exc_model.check))
        exceptions.append(PolicyException(**exc_model.model_dump()))
    return Policy(id=model.policy.id, title=model.policy.title, version=model.policy.version,
                  source=str(path), sha256=hashlib.sha256(doc.text.encode()).hexdigest(),
                  matrix=matrix, checks=checks, exceptions=exceptions,
                  language=model.policy.language)


_LEVEL = TypeAdapter(int)


def _refuse_repeated_levels(doc: YamlDocument) -> None:
    """`5:` and `"5":` (or `5.0:`) are different YAML keys but the same level once validated:
    the later row would silently replace the earlier one, so a level written twice is refused."""
    scale = doc.data.get("scale") or {}
    for at, mapping in ((("scale", "likelihood"), scale.get("likelihood")),
                        (("scale", "impact"), scale.get("impact")),
                        (("matrix",), doc.data.get("matrix"))):
        seen: dict[int, Any] = {}
        for key in mapping or {}:
            level = _LEVEL.validate_python(key)  # the model accepted it, so it converts
            if level in seen:
                raise doc.error((*at, key), msg("level {level} is written twice ({seen!r} and {key!r}): "
                                                "write each level once", level=level,
                                                seen=seen[level], key=key))
            seen[level] = key


def _matrix(model: PolicyModel, doc: YamlDocument) -> RiskMatrix:
    for axis in ("likelihood", "impact"):
        problem = scale_problem(getattr(model.scale, axis))
        if problem:
            raise doc.error(("scale", axis), problem)
    bands = tuple(Band(p.id, p.label, p.color) for p in model.priorities)
    band_ids = [b.id for b in bands]
    if len(set(band_ids)) != len(band_ids):
        raise doc.error(("priorities",), msg("priority ids must be unique"))
    impacts = sorted(model.scale.impact)
    cells: dict[tuple[int, int], str] = {}
    for lik in model.matrix:
        if lik not in model.scale.likelihood:
            raise doc.error(("matrix", lik), msg("likelihood {likelihood} is not on the likelihood scale",
                                                 likelihood=lik))
    for lik in sorted(model.scale.likelihood):
        row = model.matrix.get(lik)
        if row is None:
            raise doc.error(("matrix",), msg("missing row for likelihood {likelihood}", likelihood=lik))
        if len(row) < len(impacts):
            missing = ", ".join(map(str, impacts[len(row):]))
            raise doc.error(("matrix", lik),
                            msg("row for likelihood {likelihood} has {count} cells for {count2} impact "
                                "levels: "
                                "the cell for impact {missing} is missing", likelihood=lik, count=len(row),
                                count2=len(impacts), missing=missing))
        if len(row) > len(impacts):
            raise doc.error(("matrix", lik),
                            msg("row for likelihood {likelihood} has {count} cells but the impact scale "
                                "has only "
                                "{count2} levels", likelihood=lik, count=len(row), count2=len(impacts)))
        for index, (imp, band) in enumerate(zip(impacts, row, strict=True)):
            if band not in band_ids:
                raise doc.error(("matrix", lik, index),
                                msg("{band!r} is not a priority id ({items})", band=band,
                                    items=', '.join(band_ids)))
            cells[(lik, imp)] = band
    return RiskMatrix(likelihood=dict(model.scale.likelihood), impact=dict(model.scale.impact),
                      bands=bands, cells=cells)


def _param_names(params: type[CheckParams]) -> set[str]:
    """The keys a check's policy section may set (aliases where they are used)."""
    return {f.alias or name for name, f in params.model_fields.items()}


def _policy_check(check_id: str, section: CheckSectionModel, registry: Registry,
                  matrix: RiskMatrix, doc: YamlDocument, shared: dict[str, Any]) -> PolicyCheck:
    at = ("checks", check_id)
    for axis, scale in (("likelihood", matrix.likelihood), ("impact", matrix.impact)):
        value = getattr(section, axis)
        if value is not None and value not in scale:
            raise doc.error((*at, axis), msg("{value} is not on the {axis} scale ({scale})",
                                             value=value, axis=axis, scale=sorted(scale)))
    spec = registry.get(check_id)
    params_raw = {k: v for k, v in (section.model_extra or {}).items() if k not in _META_KEYS}
    if spec is None:
        if registry.problems:  # perhaps defined by a plugin that failed to load: report, not abort
            return PolicyCheck(check_id, None, None, section.likelihood, section.impact,
                               tuple(section.references), section.remediation)
        raise doc.error(at, msg("unknown check id {check_id!r} (see `gitc-agent checks list`)",
                                check_id=check_id))
    inherited = {k: v for k, v in shared.items()
                 if k in _param_names(spec.params) and k not in params_raw}
    try:
        params = spec.params.model_validate({**inherited, **params_raw})
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]["loc"]
        prefix = ("shared",) if first and first[0] in inherited else at
        raise doc.validation_error(exc, prefix=prefix) from None
    return PolicyCheck(check_id, spec, params, section.likelihood, section.impact,
                       tuple(section.references), section.remediation, section.finding_scoring)
