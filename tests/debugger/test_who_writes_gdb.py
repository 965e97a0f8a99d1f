"""who-writes beside real gdb, which uses the same debug registers for its hardware
watchpoints:

- with gdb's four hardware watchpoints inserted (the debuggee running under gdb), the thread
  has no debug register left: who-writes says so, names the cause and exits 1; the kernel
  keeps those registers reserved after gdb detached (until the thread exits), and the error
  says that too;
- with three of them, the fourth register is free: who-writes works beside gdb;
- on a debuggee no debugger touched, who-writes counts its writes (g_state.counter, about
  one per millisecond) and resolves them to main() in debug_target.c."""
import json
import os
import re
import subprocess
import tempfile

from dbg_common import CLI, TARGET, Target, check, failures, finish, require, skip

require("gdb")
work = tempfile.mkdtemp(prefix="memview-who-gdb-")


def gdb_with_watchpoints(t, expressions, command):
    """gdb attached to the debuggee with hardware watchpoints on `expressions`; while the
    debuggee runs under gdb (watchpoints inserted), `command` runs in the background, then
    the debuggee is interrupted and gdb detaches. Returns (stdout, stderr, rc) of command."""
    out, err, rc = (os.path.join(work, n) for n in ("out", "err", "rc"))
    shell = "(sleep 0.5; %s > %s 2> %s; echo $? > %s; kill -INT %d) &" % (command, out, err, rc, t.pid)
    args = ["gdb", "-nx", "-batch", "-p", str(t.pid)]
    for e in expressions:
        args += ["-ex", "watch -l " + e]
    args += ["-ex", "info watchpoints", "-ex", "shell " + shell, "-ex", "continue", "-ex", "detach"]
    g = subprocess.run(args, capture_output=True, text=True, timeout=120)
    text = g.stdout + g.stderr
    check(len(re.findall(r"hw watchpoint\s+keep y", text)) == len(expressions),
          "gdb set %d hardware watchpoints" % len(expressions))
    read = lambda p: open(p).read() if os.path.exists(p) else ""
    return read(out), read(err), int(read(rc).strip() or "-1")


def who_writes_cmd(t, *extra):
    counter = t.addr("counter")
    return "%s who-writes pid:%d@%#x+8 %#x --duration 0.3 %s" % (CLI, t.pid, counter, counter,
                                                                 " ".join(extra))


targets = []
cannot_count = ""  # why hits cannot be counted here, or ""
try:
    # All four registers taken by gdb's watchpoints.
    t = Target()
    targets.append(t)
    out, err, rc = gdb_with_watchpoints(
        t, ["g_state.magic", "g_state.ratio", "g_state.values[0]", "g_state.y"], who_writes_cmd(t))
    check(rc == 1, "all four debug registers taken by gdb: who-writes fails (rc %d)" % rc)
    check(err.startswith("error: cannot watch process %d: all hardware debug registers" % t.pid),
          "the error says the debug registers are in use: " + err.strip())
    check("gdb `watch`" in err and "delete those watchpoints" in err, "and how to free them")
    check(out == "", "nothing on stdout")
    # The kernel keeps a ptrace user's breakpoint slots reserved until the thread exits, also
    # after gdb detached: the same explanation says so.
    p = subprocess.run(who_writes_cmd(t).split(), capture_output=True, text=True, timeout=60)
    check(p.returncode == 1 and "even after it detached" in p.stderr,
          "after gdb detached the registers are still reserved, and the error says why: " +
          p.stderr.strip())

    # Everything below counts hits: it needs write breakpoints that fire (memview's self-test
    # runs in any watch; one of this script's own process shows its verdict).
    p = subprocess.run([CLI, "who-writes", "pid:%d@0x1000+8" % os.getpid(), "0x1000", "--duration",
                        "0.1"], capture_output=True, text=True, timeout=60)
    if "do not fire on this machine" in p.stderr:
        cannot_count = p.stderr.strip()
        raise StopIteration
    # Three watchpoints leave one register.
    t = Target()
    targets.append(t)
    out, err, rc = gdb_with_watchpoints(t, ["g_state.magic", "g_state.ratio", "g_state.values[0]"],
                                        who_writes_cmd(t, "--json"))
    check(rc == 0, "three gdb watchpoints leave one register: who-writes works beside gdb (%s)" %
          err.strip())

    # A process no debugger touched: every write of its 1 kHz loop is caught.
    t = Target()
    targets.append(t)
    counter = t.addr("counter")
    spec = "pid:%d@%#x+8" % (t.pid, counter)
    p = subprocess.run([CLI, "who-writes", spec, hex(counter), "--duration", "1", "--json"],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, "who-writes on a running debuggee: " + p.stderr.strip())
    j = json.loads(p.stdout) if p.returncode == 0 else {"writers": [], "hits": 0}
    funcs = {r["function"] for r in j["writers"]}
    files = {os.path.basename(r["file"]) for r in j["writers"]}
    check(funcs == {"main"} and files == {"debug_target.c"},
          "the writer is main() in debug_target.c (%s, %s)" % (funcs, files))
    check(300 <= j["hits"] <= 1100, "about one write per millisecond: %d in 1 s" % j["hits"])
    check(j["hits"] == sum(r["count"] for r in j["writers"]), "every hit attributed")
except StopIteration:
    pass
finally:
    for t in targets:
        t.stop()
if cannot_count and not failures:
    skip(cannot_count)
finish()
