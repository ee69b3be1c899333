"""`gitc-agent review export|import`: the command line of a re-certification campaign.

Export needs the policy (which groups, periods, owners) and saved evidence (who is a member);
import needs the returned workbook and the campaign's manifest, and writes one review record per
sheet into the folder the config's `group_reviews.folder` names, where the next collection reads
them. A record is never overwritten: a second import of the same sheet is refused.
"""

from __future__ import annotations

import argparse
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from gitc_agent.errors import InputError
from gitc_agent.i18n import Translator
from gitc_agent.model.language import LANGUAGES, command_language
from gitc_agent.model.message import Message, msg
from gitc_agent.review import campaign as campaign_mod
from gitc_agent.review import importer, workbook
from gitc_agent.review.layout import MANIFEST
from gitc_agent.run.atomic import create_new


def add_parser(sub: Any) -> None:
    review = sub.add_parser("review", help="group re-certification campaigns (workbooks)")
    actions = review.add_subparsers(dest="action", required=True)
    sp = actions.add_parser("export", help="write the campaign workbook(s) for the groups in "
                                           "the policy's review scope")
    sp.add_argument("--policy", required=True, help="policy file or shipped profile")
    sp.add_argument("--evidence", required=True, type=Path, help="a collection's evidence folder")
    sp.add_argument("--out", required=True, type=Path, help="folder for the workbooks and "
                                                             "campaign.json (new or empty)")
    sp.add_argument("--per-owner", action="store_true", help="one workbook per owner")
    sp.add_argument("--campaign-id", help="the campaign's id (default: RC-<date>-<random>)")
    _lang_arg(sp)
    sp = actions.add_parser("import", help="read a returned workbook and write review records")
    sp.add_argument("file", type=Path, help="the returned .xlsx")
    sp.add_argument("--out", required=True, type=Path, help="the review-record folder "
                                                             "(group_reviews.folder)")
    sp.add_argument("--campaign", type=Path, help=f"the campaign's {MANIFEST} (default: beside "
                                                  "the workbook)")
    sp.add_argument("--reviewer", help="the reviewer, where the sheet leaves it empty")
    sp.add_argument("--date", type=_day, help="the review date (YYYY-MM-DD), where the sheet "
                                              "leaves it empty")
    _lang_arg(sp)


def _lang_arg(sp: Any) -> None:
    sp.add_argument("--lang", choices=LANGUAGES, default=None,
                    help="language of what the command prints (default: the environment, "
                         "LANGUAGE/LC_ALL/LC_MESSAGES/LANG, else en); the workbook is English")


def _say(out: Any, args: argparse.Namespace, message: Message) -> None:
    out.print(Translator(command_language(args.lang)).text(message), markup=False)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def run(args: argparse.Namespace, out: Any) -> int:
    if args.action == "export":
        return _export(args, out)
    return _import(args, out)


def _export(args: argparse.Namespace, out: Any) -> int:
    if args.campaign_id is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,59}",
                                                         args.campaign_id):
        raise InputError(msg("--campaign-id {campaign_id!r}: letters, digits, . _ - only",
                             campaign_id=args.campaign_id))
    if args.out.exists() and not args.out.is_dir():
        raise InputError(msg("--out is not a folder"), args.out)
    built = campaign_mod.build(args.policy, args.evidence, args.campaign_id)
    args.out.mkdir(parents=True, exist_ok=True)
    files = workbook.write(built, args.out, per_owner=args.per_owner)
    members = sum(len(g.members) for g in built.groups)
    _say(out, args, msg("campaign {campaign}: {groups} group(s), {members} membership(s) in "
                        "{workbooks} workbook(s) under {out}", campaign=built.id,
                        groups=len(built.groups), members=members, workbooks=len(files),
                        out=args.out))
    if not built.hr:
        _say(out, args, msg("no HR export in the evidence: the department column is empty"))
    for warning in built.warnings:
        _say(out, args, msg("warning: {warning}", warning=warning))
    return 0


def _import(args: argparse.Namespace, out: Any) -> int:
    manifest_path = args.campaign or args.file.parent / MANIFEST
    if not manifest_path.is_file():
        raise InputError(msg("no campaign manifest at {manifest_path}: give --campaign (the {manifest} "
                             "that review export wrote)", manifest_path=manifest_path,
                             manifest=MANIFEST), args.file)
    if not args.out.is_dir():
        raise InputError(msg("--out is not a folder (the review-record folder)"), args.out)
    manifest = importer.load_manifest(manifest_path)
    result = importer.read_workbook(args.file, manifest, manifest_path, args.reviewer, args.date)
    targets = []
    for record in result.records:
        key = re.sub(r"[^A-Za-z0-9-]+", "_", record.group_sid or record.group_name).strip("_")
        path = args.out / f"review-{record.campaign}-{key}.json"
        if path.exists():
            raise InputError(msg("{name} exists: this campaign's review of {group_name} was already "
                                 "imported", name=path.name, group_name=record.group_name), path)
        targets.append((path, record))
    for path, record in targets:
        data = {**record.to_dict(), "imported_at": importer.imported_at(),
                "workbook": {"file": args.file.name, "sha256": result.workbook_sha256}}
        create_new(path, json.dumps(data, indent=2, ensure_ascii=False).encode())
        removed = sum(1 for m in record.members if m.decision == "remove")
        _say(out, args, msg("{file}: {group} reviewed on {day} by {reviewer}: {kept} kept, "
                            "{removed} to remove", file=path.name, group=record.group_name,
                            day=record.date.isoformat(), reviewer=record.reviewer,
                            kept=len(record.members) - removed, removed=removed))
    return 0
