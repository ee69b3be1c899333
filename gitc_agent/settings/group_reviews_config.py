"""The `group_reviews:` section of the environment config: the folder of review records.

Why in the config: where the records of group re-certifications are kept is a fact of the
environment (a share the administrator and the auditor can both read). `gitc-agent review
import` writes them there; collection reads every `*.json` in it as `ad.group_reviews`
evidence, with each file's SHA-256. Which groups must be re-certified, and how often, is a norm
and lives in the policy (`review_groups`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from gitc_agent.model.message import msg
from gitc_agent.settings.base import RESOLVED, Section
from gitc_agent.settings.yaml_source import YamlDocument


class GroupReviewsSettings(Section):
    folder: Path
    follow_symlinks: bool = False
    target: Annotated[str, RESOLVED] = "group-reviews"  # names the evidence: the folder's name

    def resolve(self, doc: YamlDocument) -> GroupReviewsSettings:
        """The folder made absolute; it must exist (an empty one: no review recorded yet)."""
        absolute = Path(os.path.abspath(doc.beside(self.folder)))
        at = ("group_reviews", "folder")
        if not self.follow_symlinks and absolute.resolve() != absolute:
            raise doc.error(at, msg("{absolute} goes through a symbolic link (to {target}); name the real "
                                    "folder, or set 'follow_symlinks: true'", absolute=absolute,
                                    target=absolute.resolve()))
        if not absolute.is_dir():
            raise doc.error(at, msg("review-record folder {absolute} does not exist or is not a folder "
                                    "(create it empty when no review is recorded yet)",
                                    absolute=absolute))
        return self.model_copy(update={"folder": absolute,
                                       "target": absolute.name or "group-reviews"})
