#!/usr/bin/env python3
"""The man pages never drift from --help: every option and subcommand that memview-cli and
memview print in --help is in their page (each subcommand's options in its own
subsection), every --option a page names exists, every source kind of the "Sources:" line
has an entry, and the page's version is the binary's.

  man_pages_test.py --cli BIN [--gui BIN] --man-dir DIR   (DIR holds memview-cli.1.gz, ...)
"""
import argparse
import gzip
import os
import re
import subprocess
import sys

FAILURES = []
# The rendered page, whatever the caller's locale, terminal or MANWIDTH.
ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "MANWIDTH": "200",
       "MAN_KEEP_FORMATTING": "", "HOME": "/nonexistent"}


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILURES.append(what)


def run(*argv):
    res = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=ENV)
    if res.returncode != 0:
        sys.exit(f"error: {' '.join(argv)} exited {res.returncode}: {res.stderr.strip()}")
    return res.stdout


def render(page):
    """The page as man shows it, in plain text (no bold, no hyphenation)."""
    text = run("man", "--nh", "--nj", "-l", page)
    return re.sub(r".\x08", "", text).replace("\u2010", "-").replace("\u2212", "-")


def help_options(text):
    """The option names of a CLI11 --help ("--offset", "-I", "--include-dir", ...)."""
    names = set()
    for line in text.splitlines():
        m = re.match(r"^ {2,4}(-\S+)", line)
        if m:
            names.update(n for n in m.group(1).split(",") if n.startswith("-"))
    return names


def long_options(text):
    return set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*(?![\w-])", text))


def subcommands(help_text):
    m = re.search(r"^Subcommands:\n((?:  .*\n?)*)", help_text, re.M)
    return [line.split()[0] for line in m.group(1).splitlines() if line.strip()] if m else []


def sections(text):
    """{heading: body} of a rendered page (headings are the unindented lines)."""
    out, current = {}, None
    for line in text.splitlines():
        if line and not line[0].isspace():
            current = line.strip()
            out.setdefault(current, "")
        elif current:
            out[current] += line + "\n"
    return out


def subsections(body):
    """{name: text} of the SUBCOMMANDS section (subheadings are indented three spaces)."""
    out, current = {}, None
    for line in body.splitlines():
        m = re.match(r"^ {3}(\S+)\s*$", line)
        if m:
            current = m.group(1)
            out[current] = ""
        elif current:
            out[current] += line + "\n"
    return out


def check_program(binary, page, with_subcommands):
    name = os.path.basename(page).split(".")[0]
    text = render(page)
    top = run(binary, "--help")
    version = run(binary, "--version").strip()
    check(version.split()[-1] in text.splitlines()[-1], f"{name}(1) footer has version {version}")
    documented = long_options(text)
    every = long_options(top)  # options --help itself names (another program's too)
    for opt in help_options(top):
        every.add(opt)
        check(re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", text) is not None,
              f"{name}(1) has {opt}")
    sources = re.search(r"Sources: (.*?)\.?$", top, re.M) or re.search(r"one tab each: (.*)", top)
    if sources:
        spec_text = sections(text).get("SOURCE SPECS", "")
        for spec in re.findall(r"(?:^|, )([a-z]*:?[A-Z]+)", sources.group(1)):
            kind = spec.split(":")[0] + ":" if ":" in spec else spec
            check(kind in spec_text, f"{name}(1) SOURCE SPECS has {kind}")
    if with_subcommands:
        subs = subcommands(top)
        check(len(subs) > 5, f"{name} --help lists subcommands ({len(subs)})")
        by_name = subsections(sections(text).get("SUBCOMMANDS", ""))
        check(sorted(by_name) == sorted(subs),
              f"{name}(1) SUBCOMMANDS are exactly {' '.join(subs)} (page: {' '.join(by_name)})")
        for sub in subs:
            sub_help = run(binary, sub, "--help")
            opts = help_options(sub_help) - {"-h", "--help", "--help-all"}
            every |= long_options(sub_help)
            body = by_name.get(sub, "")
            missing = sorted(o for o in opts
                             if not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", body))
            check(not missing, f"{name}(1) '{sub}' documents all {len(opts)} options"
                  + (f" (missing {' '.join(missing)})" if missing else ""))
    unknown = sorted(o for o in documented if o not in every)
    check(not unknown, f"{name}(1) names no option that --help lacks"
          + (f" (unknown: {' '.join(unknown)})" if unknown else ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--gui")
    ap.add_argument("--man-dir", required=True)
    args = ap.parse_args()
    check_program(args.cli, os.path.join(args.man_dir, "memview-cli.1.gz"), True)
    if args.gui:
        check_program(args.gui, os.path.join(args.man_dir, "memview.1.gz"), False)
    print(f"{'FAILED' if FAILURES else 'passed'}: {len(FAILURES)} failures")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
