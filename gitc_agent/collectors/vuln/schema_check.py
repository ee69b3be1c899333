"""Validate CSAF 2.0 documents against the official OASIS JSON schema shipped beside this module.

Why the schema and not our own field checks: an auditor relies on the advisory meaning what the
standard says; a document that is not CSAF 2.0 is reported (file and the failing JSON path) and
left out, while the others from the same source are still used. The CVSS schemas the CSAF schema
references by URL are resolved to local copies: validation never touches the network.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

_REFERENCED = {"https://www.first.org/cvss/cvss-v2.0.json": "cvss-v2.0.json",
               "https://www.first.org/cvss/cvss-v3.0.json": "cvss-v3.0.json",
               "https://www.first.org/cvss/cvss-v3.1.json": "cvss-v3.1.json"}


def _load(name: str) -> dict[str, Any]:
    text = resources.files("gitc_agent.collectors.vuln").joinpath("schema", name).read_text(
        encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def validator() -> Draft202012Validator:
    """The CSAF 2.0 validator, built once per process (the schema is 57 kB)."""
    registry: Registry = Registry()
    for url, name in _REFERENCED.items():
        # the CVSS schemas declare draft-04/-07; their keywords read the same under draft-07
        registry = registry.with_resource(url, Resource.from_contents(_load(name),
                                                                      default_specification=DRAFT7))
    schema = _load("csaf_json_schema.json")
    return Draft202012Validator(schema, registry=registry,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def problem(document: Any) -> tuple[str, str] | None:
    """(JSON path, reason) of the most relevant schema violation, or None if the document is
    valid CSAF 2.0."""
    error = best_match(validator().iter_errors(document))
    if error is None:
        return None
    path = "/" + "/".join(str(p) for p in error.absolute_path)
    if error.validator == "pattern":  # the schema's regexes are unreadable in a message
        return path, f"{str(error.instance)[:80]!r} does not have the form the schema requires"
    return path, error.message[:300]
