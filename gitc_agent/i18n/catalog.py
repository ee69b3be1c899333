"""The compiled gettext catalogs of one language, chained into one lookup.

Dutch is split into one catalog per area (`core.po`, `report.po`, `checks_ad.po`, ...) so the
people who write the checks of an area never edit the same file. At run time the stdlib reads the
committed .mo files (no Babel needed to run the tool): the first catalog in name order answers,
the others are its fallbacks, and English (the msgid itself) is the last fallback.
"""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

from gitc_agent.model.language import ENGLISH, LANGUAGES

LOCALE = Path(__file__).resolve().parent / "locale"
DOMAIN_DIR = "LC_MESSAGES"


def catalog_dir(language: str) -> Path:
    return LOCALE / language / DOMAIN_DIR


def po_files(language: str) -> list[Path]:
    return sorted(catalog_dir(language).glob("*.po"))


def mo_files(language: str) -> list[Path]:
    return sorted(catalog_dir(language).glob("*.mo"))


@functools.lru_cache(maxsize=8)
def load(language: str) -> gettext.NullTranslations:
    """English, or a language with catalogs: the chained translations (cached per process)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r} (known: {', '.join(LANGUAGES)})")
    chain: gettext.NullTranslations = gettext.NullTranslations()
    if language == ENGLISH:
        return chain
    first: gettext.GNUTranslations | None = None
    for path in mo_files(language):
        with path.open("rb") as fp:
            catalog = gettext.GNUTranslations(fp)
        if first is None:
            first = catalog
        else:
            # one table instead of a chain of fallbacks: a chained lookup walks every catalog
            # before the one that answers, which cost seconds for a 200,000-result report
            # (bench/bench_render.py --lang nl); the first catalog still wins
            for key, text in catalog._catalog.items():  # type: ignore[attr-defined]
                first._catalog.setdefault(key, text)  # type: ignore[attr-defined]
    return first or chain
