#!/usr/bin/env python3
"""clang-tidy over the release build's translation units, for scripts/lint.

Runs `--jobs` clang-tidy processes at a time, each with its own output (parallel runs
would interleave on one stream); findings are errors (--warnings-as-errors), so a file's
exit status says whether it is clean. A clean result is remembered under BUILD/lint-cache,
keyed by clang-tidy's version, .clang-tidy, the compile command and the contents of every
file the translation unit reads: an unchanged file is not checked again. Exit status 1 on any finding or
when the whole run exceeds --timeout seconds."""
import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import resource
import shlex
import subprocess
import sys
import threading
import time

NOISE = re.compile(r"^(\d+ warnings?( and \d+ errors?)? generated\.|Suppressed \d+ warnings"
                   r"|Use -header-filter|Use -system-headers)")


def without_pch(entry):
    """The compile command without the build's precompiled header (CMake's `-include
    .../cmake_pch.hxx`, whose .gch is GCC's and unreadable to clang): each file is checked
    with only what it includes itself."""
    args = shlex.split(entry["command"]) if "command" in entry else list(entry["arguments"])
    out, i = [], 0
    while i < len(args):
        if args[i] == "-include" and i + 1 < len(args) and args[i + 1].endswith("cmake_pch.hxx"):
            i += 2
            continue
        if args[i] != "-Winvalid-pch":
            out.append(args[i])
        i += 1
    e = {k: v for k, v in entry.items() if k not in ("command", "arguments")}
    e["arguments"] = out
    return e


def lint_database(build, entries):
    """BUILD/lint-db/compile_commands.json: the build's commands without the PCH."""
    db = os.path.join(build, "lint-db")
    os.makedirs(db, exist_ok=True)
    with open(os.path.join(db, "compile_commands.json"), "w") as f:
        json.dump(entries, f)
    return db


def translation_units(build, root, prefixes):
    seen, units = set(), []
    with open(os.path.join(build, "compile_commands.json")) as f:
        entries = [without_pch(e) for e in json.load(f)]
    build_dir = os.path.realpath(build)
    for e in entries:
        path = os.path.realpath(os.path.join(e["directory"], e["file"]))
        rel = os.path.relpath(path, root)
        if rel.startswith("..") or path in seen or path.startswith(build_dir + os.sep):
            continue  # outside the tree, a duplicate, or generated (the PCH's own source)
        if prefixes and not any(rel == p or rel.startswith(p.rstrip("/") + "/")
                                for p in prefixes):
            continue
        seen.add(path)
        units.append((rel, e))
    return units


def ninja_deps(build):
    """Object file -> the files it was compiled from (source and every header), as ninja
    recorded them in the last build; {} without ninja."""
    try:
        out = subprocess.run(["ninja", "-C", build, "-t", "deps"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True).stdout
    except OSError:
        return {}
    deps, current = {}, None
    for line in out.splitlines():
        if line and not line[0].isspace():
            current = line.split(":", 1)[0] if "(VALID)" in line else None
            if current:
                deps[current] = []
        elif current and line.strip():
            deps[current].append(os.path.join(build, line.strip()))
    return deps


def cache_key(entry, salt, deps):
    """Hash of what clang-tidy's answer depends on: the compile command and the contents of
    every file the translation unit reads (from ninja's record of the last build, else from
    the preprocessor); None when they cannot be read."""
    args = shlex.split(entry["command"]) if "command" in entry else list(entry["arguments"])
    h = hashlib.sha256(salt)
    h.update(" ".join(args).encode())
    obj = args[args.index("-o") + 1] if "-o" in args[:-1] else None
    files = deps.get(obj)
    if files:
        # A changed #include changes the content of a file already listed here.
        try:
            for path in files:
                with open(path, "rb") as f:
                    h.update(path.encode() + b"\0" + f.read())
            return h.hexdigest()
        except OSError:
            pass
    pre, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a == "-o":
            skip = True
        elif a != "-c":
            pre.append(a)
    p = subprocess.run(pre + ["-E", "-C", "-o", "-"], cwd=entry["directory"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if p.returncode != 0:
        return None
    h.update(p.stdout)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tidy", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=3000)
    ap.add_argument("paths", nargs="*")
    a = ap.parse_args()
    if not os.path.exists(os.path.join(a.build, "compile_commands.json")):
        print("error: %s/compile_commands.json is missing (run scripts/build release first)"
              % a.build, file=sys.stderr)
        return 1
    units = translation_units(a.build, a.root, [os.path.normpath(p) for p in a.paths])
    db = lint_database(a.build, [e for _, e in units])
    if not units:
        print("error: no translation unit of the release build under %s" % " ".join(a.paths),
              file=sys.stderr)
        return 1
    version = subprocess.run([a.tidy, "--version"], stdout=subprocess.PIPE).stdout
    with open(os.path.join(a.root, ".clang-tidy"), "rb") as f:
        salt = version + f.read()
    cache = os.path.join(a.build, "lint-cache")
    os.makedirs(cache, exist_ok=True)
    deps = ninja_deps(a.build)

    start = time.time()
    deadline = start + a.timeout
    lock = threading.Lock()
    running = set()
    results = {}  # rel -> (status, output); status "clean", "cached", "findings"

    def check(unit):
        rel, entry = unit
        key = cache_key(entry, salt, deps)
        stamp = os.path.join(cache, key) if key else None
        if stamp and os.path.exists(stamp):
            return rel, "cached", ""
        left = deadline - time.time()
        if left <= 0:
            return rel, "timeout", ""
        proc = subprocess.Popen([a.tidy, "-p", db, "--quiet", "--warnings-as-errors=*",
                                 os.path.join(a.root, rel)], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        with lock:
            running.add(proc)
        try:
            out, _ = proc.communicate(timeout=left)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return rel, "timeout", ""
        finally:
            with lock:
                running.discard(proc)
        if proc.returncode == 0:
            if stamp:
                open(stamp, "w").close()
            return rel, "clean", ""
        text = "\n".join(l for l in out.splitlines() if not NOISE.match(l))
        return rel, "findings", text

    with concurrent.futures.ThreadPoolExecutor(max(1, a.jobs)) as pool:
        for rel, status, text in pool.map(check, units):
            results[rel] = (status, text)
    wall = time.time() - start
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = cpu.ru_utime + cpu.ru_stime
    counts = {}
    for status, _ in results.values():
        counts[status] = counts.get(status, 0) + 1
    summary = "%d translation units: %d checked clean, %d unchanged since a clean check" % (
        len(units), counts.get("clean", 0), counts.get("cached", 0))
    timing = "%.0f s, %.0f s CPU, %d at a time" % (wall, cpu_s, a.jobs)
    if counts.get("timeout"):
        print("error: clang-tidy did not finish within %.0f s (MEMVIEW_LINT_TIMEOUT); "
              "%d files were not checked (%s)" % (a.timeout, counts["timeout"], timing),
              file=sys.stderr)
    bad = sorted(rel for rel, (status, _) in results.items() if status == "findings")
    for rel in bad:
        print(results[rel][1], file=sys.stderr)
    if bad:
        print("lint: clang-tidy findings in %d files: %s (%s; %s)" % (
            len(bad), ", ".join(bad), summary, timing), file=sys.stderr)
    if bad or counts.get("timeout"):
        return 1
    print("lint: clang-tidy clean: %s (%s)" % (summary, timing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
