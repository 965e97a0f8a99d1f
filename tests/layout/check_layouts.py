#!/usr/bin/env python3
"""Compares memview's layout engine (memview-cli layout --json, libclang) with gcc.

  check_layouts.py corpus --cli CLI --seed S --count N [--lang c|c++] --work DIR
      a generated corpus of random structs/unions (gen_corpus.py); gcc's answer comes from
      a program gcc compiles (offsetof/sizeof/_Alignof, bitfields by setting all bits of the
      field in a zeroed object), and is cross-checked against gcc's DWARF (read by gdb)
  check_layouts.py system --cli CLI --work DIR
      real system headers (struct stat, sigaction, siginfo_t, tcphdr, v4l2_buffer, ucred,
      statx, perf_event_attr, ...) as C with gcc's defaults, as C defining _GNU_SOURCE
      itself, and as C++ with g++'s defaults: no -std or -D given to gcc, g++ or memview.
      The field list comes from gcc's DWARF, every value from both DWARF and a compiled
      offsetof program

Every offset, bit offset, bit width, size and count must agree, field by field, in order.
Exit status 0 when everything agrees.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # the source tree may be read-only; nothing is written there
import gen_corpus  # noqa: E402

KEYS = ["path", "offset", "bit_offset", "bit_width", "size", "count"]

SYSTEM_HEADERS = """\
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/ucontext.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <net/if.h>
#include <fcntl.h>
#include <dirent.h>
#include <poll.h>
#include <time.h>
#include <signal.h>
#include <termios.h>
#include <linux/input.h>
#include <linux/perf_event.h>
#include <linux/videodev2.h>
"""
# Types a C file sees with gcc's defaults (gnu17: _DEFAULT_SOURCE, not _GNU_SOURCE).
SYSTEM_TYPES = ["struct stat", "struct sockaddr_in6", "struct sockaddr_un",
                "struct sockaddr_storage", "struct msghdr", "struct iovec", "struct in_pktinfo",
                "struct iphdr", "struct udphdr", "struct tcphdr", "struct tcp_info",
                "struct ifreq", "struct input_event", "struct perf_event_attr",
                "struct v4l2_buffer", "struct v4l2_format", "struct timespec",
                "struct itimerspec", "struct tm", "struct rusage", "struct utsname",
                "struct epoll_event", "struct pollfd", "struct flock", "struct dirent",
                "struct sigaction", "siginfo_t", "stack_t", "struct sigevent", "ucontext_t",
                "struct user_regs_struct", "struct termios"]
# Types behind _GNU_SOURCE: a C header defines it itself; g++ always defines it.
GNU_TYPES = ["struct ucred", "struct in6_pktinfo", "struct statx", "struct mmsghdr",
             "struct f_owner_ex", "struct file_handle", "struct timex"]
# Each suite: a header as a user writes it, compiled by gcc/g++ with no flags at all and
# read by `memview-cli layout` with no --std and no -D (the header's name picks C or C++).
SYSTEM_SUITES = [
    ("C, gcc's defaults", "system.h", SYSTEM_HEADERS, SYSTEM_TYPES),
    ("C with #define _GNU_SOURCE", "system_gnu.h", "#define _GNU_SOURCE\n" + SYSTEM_HEADERS,
     GNU_TYPES),
    ("C++, g++'s defaults", "system.hpp", SYSTEM_HEADERS, SYSTEM_TYPES + GNU_TYPES),
]


def tool_env():
    """The environment for gcc, gdb and memview-cli, whatever the caller's: the C locale
    (messages and gdb's type names), no debuginfod downloads, no bytecode files written."""
    env = dict(os.environ, LC_ALL="C", PYTHONDONTWRITEBYTECODE="1")
    env.pop("DEBUGINFOD_URLS", None)
    return env


# gdb with no init files, no styling and no debuginfod, in batch mode.
GDB = ["gdb", "-nx", "-batch", "-iex", "set style enabled off",
       "-iex", "set debuginfod enabled off"]


def run(cmd, env=None):
    """Runs cmd with stdin from /dev/null; its stdout, or RuntimeError with its output."""
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, env=env or tool_env())
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s%s" % (" ".join(cmd), p.returncode, p.stdout,
                                                      p.stderr))
    return p.stdout


def gdb_layouts(obj, names, work):
    """DWARF's layouts of `names` in the object file obj, read by gdb (gdb_layout.py)."""
    out = os.path.join(work, "gdb_layouts.jsonl")
    env = dict(tool_env(), LAYOUT_TYPES="\n".join(names), LAYOUT_OUT=out)
    run(GDB + ["-x", os.path.join(HERE, "gdb_layout.py"), obj], env=env)
    with open(out) as f:
        return {j["type"]: j for j in map(json.loads, f)}


def engine_layout(cli, header, name, std=None):
    """memview-cli's layout; std None: no --std (the compiler's default)."""
    cmd = [cli, "layout", "--header", header, "--type", name, "--json"]
    if std:
        cmd += ["--std", std]
    return json.loads(run(cmd))


def compare(what, expected, got, problems, compare_align=True):
    """Appends a description of each difference; returns the number of fields compared."""
    for key in ["size"] + (["align"] if compare_align else []):
        if expected[key] != got[key]:
            problems.append("%s: %s is %s, expected %s" % (what, key, got[key], expected[key]))
    ef, gf = expected["fields"], got["fields"]
    if [f["path"] for f in ef] != [f["path"] for f in gf]:
        problems.append("%s: field list differs:\n  expected %s\n  got      %s"
                        % (what, [f["path"] for f in ef], [f["path"] for f in gf]))
        return 0
    for e, g in zip(ef, gf):
        for key in KEYS:
            if e[key] != g.get(key, "<missing>"):
                problems.append("%s: field %s: %s is %s, expected %s"
                                % (what, e["path"], key, g.get(key), e[key]))
    return len(ef)


def compile_and_run_truth(work, source, cxx, std=None):
    """gcc's answer; std None: no -std (gcc's own default)."""
    exe = os.path.join(work, "truth")
    compiler = "g++" if cxx else "gcc"
    run([compiler, *(["-std=" + std] if std else []), "-O0", "-w", "-I", work, source, "-o",
         exe])
    return {j["type"]: j for j in map(json.loads, run([exe]).splitlines())}


def debug_object(work, header_text, names, cxx):
    src = os.path.join(work, "debuginfo.cc" if cxx else "debuginfo.c")
    with open(src, "w") as f:
        f.write(header_text)
        for i, n in enumerate(names):
            f.write("%s memview_dbg_%d;\n" % (n, i))
    obj = os.path.join(work, "debuginfo.o")
    compiler = "g++" if cxx else "gcc"
    run([compiler, "-g", "-O0", "-w", "-c", "-I", work, src, "-o", obj])
    return obj


def cmd_corpus(a):
    os.makedirs(a.work, exist_ok=True)
    cxx = a.lang == "c++"
    run([sys.executable, os.path.join(HERE, "gen_corpus.py"), "--seed", str(a.seed), "--count",
         str(a.count), "--lang", a.lang, "--out", a.work])
    with open(os.path.join(a.work, "types.json")) as f:
        queries = json.load(f)
    truth = compile_and_run_truth(a.work, os.path.join(a.work, "truth.cc" if cxx else "truth.c"),
                                  cxx, "gnu++17" if cxx else "gnu11")
    spellings = [q["spelling"] for q in queries]
    dwarf = gdb_layouts(debug_object(a.work, '#include "corpus.h"\n', spellings, cxx), spellings,
                        a.work)
    header = os.path.join(a.work, "corpus.h")
    std = "c++17" if cxx else "c11"
    problems, fields, layouts = [], 0, 0
    counts = {"bitfield": 0, "union": 0, "fam": 0, "packed": 0, "aligned": 0}
    for q in queries:
        t = truth[q["spelling"]]
        # the generator's expectations are gcc's; DWARF must tell the same story
        compare("%s (gcc DWARF vs gcc program)" % q["spelling"], t, dwarf[q["spelling"]], problems,
                compare_align=False)
        for name in q["names"]:
            got = engine_layout(a.cli, header, name, std)
            fields += compare("%s (memview vs gcc)" % name, t, got, problems)
            layouts += 1
        counts["bitfield"] += sum(1 for f in t["fields"] if f["bit_width"])
        counts["fam"] += sum(1 for f in t["fields"] if f["count"] == 0)
        counts["union"] += q["spelling"].startswith("union")
        counts["nested"] = counts.get("nested", 0) + sum(1 for f in t["fields"] if "." in f["path"])
    with open(header) as f:
        text = f.read()
    counts["packed"] = text.count("packed")
    counts["aligned"] = text.count("aligned(")
    with open(os.path.join(a.work, "stats.json")) as f:
        counts.update(json.load(f))
    # The comparison is not vacuous: a single wrong bit offset must be reported.
    sample = next(q["spelling"] for q in queries if any(f["bit_width"] for f in truth[q["spelling"]]["fields"]))
    wrong = json.loads(json.dumps(truth[sample]))
    next(f for f in wrong["fields"] if f["bit_width"])["bit_offset"] += 1
    probe = []
    compare("self-check", truth[sample], wrong, probe)
    if len(probe) != 1:
        problems.append("self-check: a changed bit offset was not reported exactly once")
    # The corpus covers what the issue asks for.
    minimum = {"bitfield": 100, "union": 10, "fam": 5, "packed": 20, "aligned": 20, "nested": 50,
               "anonymous_members": 20, "unnamed_bitfields": 10, "pragma_pack": 5,
               "record_arrays": 10}
    if not cxx and len(queries) >= 200:
        for key, low in minimum.items():
            if counts.get(key, 0) < low:
                problems.append("coverage: only %d %s (expected at least %d)" % (counts.get(key, 0), key, low))
    return report("corpus seed %d, %d types (%s)" % (a.seed, len(queries), a.lang), layouts,
                  fields, problems, counts)


def truth_fields(dwarf_fields):
    """The gcc program's list of what to check for one type, from DWARF's field list."""
    fields = []
    for f in dwarf_fields:
        if f["bit_width"]:
            fields.append(dict(path=f["path"], kind="bitfield", ctype=f["ctype"]))
        elif f["count"] == 0:
            fields.append(dict(path=f["path"], kind="fam"))
        elif f["count"] is not None:
            fields.append(dict(path=f["path"], kind="array"))
        else:
            fields.append(dict(path=f["path"], kind="plain"))
    return fields


def system_suite(cli, work, header_name, text, type_names, title, problems):
    """One suite of SYSTEM_SUITES: (layouts, fields) compared; differences go to problems."""
    os.makedirs(work, exist_ok=True)
    cxx = header_name.endswith(".hpp")
    header = os.path.join(work, header_name)
    with open(header, "w") as f:
        f.write(text)
    dwarf = gdb_layouts(debug_object(work, '#include "%s"\n' % header_name, type_names, cxx),
                        type_names, work)
    # A gcc program checks DWARF's answer for every field DWARF lists.
    types = [(name, truth_fields(dwarf[name]["fields"])) for name in type_names]
    src = os.path.join(work, "truth.cc" if cxx else "truth.c")
    with open(src, "w") as f:
        f.write(gen_corpus.truth_program(types, cxx, header_name, undef_members=True))
    truth = compile_and_run_truth(work, src, cxx)
    fields = 0
    for name in type_names:
        compare("%s [%s] (gcc DWARF vs gcc program)" % (name, title), truth[name], dwarf[name],
                problems, compare_align=False)
        got = engine_layout(cli, header, name)
        fields += compare("%s [%s] (memview vs gcc)" % (name, title), truth[name], got, problems)
    return len(type_names), fields


def cmd_system(a):
    """Every suite of SYSTEM_SUITES; no compiler flags anywhere."""
    problems, fields, layouts, names = [], 0, 0, []
    for title, header_name, text, type_names in SYSTEM_SUITES:
        work = os.path.join(a.work, header_name.replace(".", "_"))
        n, f = system_suite(a.cli, work, header_name, text, type_names, title, problems)
        layouts += n
        fields += f
        names.append("%s: %s" % (title, ", ".join(type_names)))
    return report("system headers, no compiler flags\n  " + "\n  ".join(names), layouts, fields,
                  problems, None)


def report(title, layouts, fields, problems, counts):
    print("%s: %d layouts, %d fields compared" % (title, layouts, fields))
    if counts:
        print("  coverage: " + ", ".join("%s %d" % kv for kv in counts.items()))
    if problems:
        print("%d disagreements:" % len(problems))
        for p in problems[:40]:
            print("  " + p)
        return 1
    print("  all agree with gcc")
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("corpus")
    c.add_argument("--cli", required=True)
    c.add_argument("--seed", type=int, required=True)
    c.add_argument("--count", type=int, default=240)
    c.add_argument("--lang", choices=["c", "c++"], default="c")
    c.add_argument("--work", required=True)
    s = sub.add_parser("system")
    s.add_argument("--cli", required=True)
    s.add_argument("--work", required=True)
    a = ap.parse_args()
    try:
        return cmd_corpus(a) if a.cmd == "corpus" else cmd_system(a)
    except RuntimeError as e:
        print("error: %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
