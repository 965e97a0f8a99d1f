#!/usr/bin/env python3
"""Builds a man page from an scdoc template and the program's own --help.

The template (memview.1.scd.in, memview-cli.1.scd.in) holds what --help cannot say (source
specs, keys, files, exit status, examples); @VERSION@, @OPTIONS@ (the program's options)
and @SUBCOMMANDS@ (every subcommand's usage, arguments and options) are filled from the
binary, so the page cannot drift from --help. scdoc (Debian's scdoc package) renders it.

  gen_man.py --binary BIN --template T.scd.in --version V --out PAGE.1 [--scd OUT.scd]
"""
import argparse
import re
import subprocess
import sys


def run_help(binary, *args):
    res = subprocess.run([binary, *args, "--help"], capture_output=True, text=True,
                         timeout=60, env={"PATH": "/usr/bin:/bin", "COLUMNS": "80"})
    if res.returncode != 0:
        sys.exit(f"gen_man: '{binary} {' '.join(args)} --help' exited {res.returncode}: "
                 f"{res.stderr.strip()}")
    return res.stdout


def escape(text):
    """Plain text for scdoc: its markup characters taken literally."""
    return re.sub(r"([\\*_`])", r"\\\1", text)


def parse_help(text):
    """CLI11's help as {'intro': [lines], 'usage': str, 'sections': [section]}, a section
    being {'name', 'about', 'items': [[term, description]]}; "[Option Group: X]" blocks are
    sections of their own."""
    intro, usage, sections = [], "", []
    current = None
    for line in text.splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if line.startswith("Usage: "):
            usage = line[len("Usage: "):].strip()
        elif re.fullmatch(r"\w[\w ]*:", line):
            current = {"name": line[:-1], "about": "", "items": []}
            sections.append(current)
        elif re.fullmatch(r"\[Option Group: (.*)\]", line):
            current = {"name": line[len("[Option Group: "):-1], "about": "", "items": []}
            sections.append(current)
        elif current is None:
            if stripped:
                intro.append(stripped)
        elif not stripped or stripped == "Options:":
            continue
        elif indent <= 4 and (re.search(r"\S\s{2,}\S", stripped) or stripped.startswith("-")):
            term, _, desc = (re.split(r"(\s{2,})", stripped, maxsplit=1) + ["", ""])[:3]
            current["items"].append([term, desc.strip()])
        elif indent <= 4 and not current["items"]:
            current["about"] = (current["about"] + " " + stripped).strip()
        elif current["items"]:  # a long term's description on its own line, or a wrap
            last = current["items"][-1]
            last[1] = (last[1] + " " + stripped).strip()
    return {"intro": intro, "usage": usage, "sections": sections}


def section_items(parsed, name):
    for section in parsed["sections"]:
        if section["name"] == name:
            return section["items"]
    return []


# Every subcommand has these; the page lists them once, under OPTIONS.
GLOBAL_ONLY = ("-h,--help", "--help-all")


def option_items(items):
    """scdoc definition lists: the term in bold, the description indented below."""
    out = []
    for term, desc in items:
        out.append(f"*{escape(term)}*\n\t{escape(desc)}\n")
    return "\n".join(out)


def sections_block(parsed, heading_fmt, skip=(), untitled=()):
    """Positionals, Options and option groups, each a heading (but those in `untitled`)
    and a definition list."""
    parts = []
    for section in parsed["sections"]:
        items = [item for item in section["items"] if item[0] not in skip]
        if section["name"] == "Subcommands" or not items:
            continue
        if section["name"] not in untitled:
            parts.append(heading_fmt.format(escape(section["name"])))
        if section["about"]:
            parts.append(escape(section["about"]) + "\n")
        parts.append(option_items(items))
    return "\n".join(parts)


def subcommands_block(binary, names):
    parts = []
    for name in names:
        sub = parse_help(run_help(binary, name))
        parts.append(f"## {escape(name)}\n")
        parts.append(f"*{escape(sub['usage'])}*\n")
        if sub["intro"]:
            parts.append(escape(" ".join(sub["intro"])) + "\n")
        parts.append(sections_block(sub, "{}:\n", GLOBAL_ONLY))
    return "\n".join(parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--template", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--scd", help="also write the filled scdoc source here")
    ap.add_argument("--scdoc", default="scdoc")
    args = ap.parse_args()

    top = parse_help(run_help(args.binary))
    page = open(args.template, encoding="utf-8").read()
    page = page.replace("@VERSION@", args.version)
    # Under the page's OPTIONS heading, "Options:" would only repeat it.
    page = page.replace("@OPTIONS@", sections_block(top, "{}:\n", untitled=("Options",)))
    if "@SUBCOMMANDS@" in page:
        names = [term.split()[0] for term, _ in section_items(top, "Subcommands")]
        if not names:
            sys.exit(f"gen_man: '{args.binary} --help' lists no subcommands")
        page = page.replace("@SUBCOMMANDS@", subcommands_block(args.binary, names))
    if args.scd:
        open(args.scd, "w", encoding="utf-8").write(page)
    res = subprocess.run([args.scdoc], input=page.encode(), capture_output=True)
    if res.returncode != 0:
        sys.exit(f"gen_man: scdoc failed on {args.template}: {res.stderr.decode().strip()}")
    # No date in the page: the same sources give the same bytes (reproducible packages).
    open(args.out, "wb").write(res.stdout)


if __name__ == "__main__":
    main()
