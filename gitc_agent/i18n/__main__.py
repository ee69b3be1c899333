"""`python3 -m gitc_agent.i18n compile | check | extract` (see tools.py and extract.py)."""

from __future__ import annotations

import argparse
import sys

from gitc_agent.i18n import extract, tools


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m gitc_agent.i18n",
                                description="message catalogs: extract, check, compile")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("extract", help=f"write the template catalog {extract.POT.name}")
    sp = sub.add_parser("check", help="list msgids without a usable translation (exit 1 if any)")
    sp.add_argument("--lang", default="nl")
    sub.add_parser("compile", help="write the .mo file beside each .po file")
    args = p.parse_args(argv)
    if args.command == "extract":
        cat = extract.catalog()
        tools.write_pot(cat)
        print(f"wrote {extract.POT} ({len(cat)} msgids)")
        return 0
    if args.command == "compile":
        for path in tools.compile_all():
            print(f"wrote {path}")
        return 0
    found = tools.problems(extract.catalog(), args.lang)
    if found:
        print(tools.report(found))
        print(f"{len(found)} problem(s)")
        return 1
    print("every msgid has a translation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
