"""memview-cli on pid: specs against a running debuggee, and while `gdb -batch -p PID`
holds it stopped: every value is checked from gdb's own `print` of the variable.

Also: regions, the permission explanation for another user's process, and the exit event."""
import json
import os
import shlex
import shutil
import subprocess
import tempfile
import time

from dbg_common import (CLI, Target, check, cli, failures, finish, gdb_batch, mark, printed,
                        require, shell)



def counter_exceeds(t, spec, value, timeout=5.0):
    """Whether g_state.counter, read through memview, goes above value within timeout."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        rc, out, err = cli("dump", spec, "--offset", hex(t.addr("counter")), "--length", 8,
                           "--format", "raw")
        if rc == 0 and int.from_bytes(out, "little") > value:
            return True
        time.sleep(0.02)
    return False


require("gdb")
scope_path = "/proc/sys/kernel/yama/ptrace_scope"
if os.path.exists(scope_path):
    print("Yama ptrace_scope:", open(scope_path).read().strip())
else:
    print("Yama is not enabled on this kernel")

t = Target()
try:
    whole = "pid:%d" % t.pid

    # --- while it runs -----------------------------------------------------------------
    rc, out, err = cli("dump", whole, "--offset", hex(t.addr("magic")), "--length", 4,
                       "--format", "raw")
    check(rc == 0 and out == bytes.fromhex("564d454d"), "reads magic of the running process")
    rc, out, err = cli("poke", whole, hex(t.addr("command")), "--u32", 4660)
    check(rc == 0, "poke while running: " + err.strip())
    check(t.wait_line("command") == "command 4660", "the running program saw the write")
    rc, out, err = cli("dump", "%s@%#x+%d" % (whole, t.state, t.size), "--offset",
                       hex(t.state), "--format", "raw")
    check(rc == 0 and len(out) == t.size, "dump of the whole struct through a range spec")
    c1 = int.from_bytes(out[8:16], "little")
    check(counter_exceeds(t, whole, c1), "counter advances while running")

    # --- while gdb holds it stopped ------------------------------------------------------
    # memview-cli runs as gdb's `shell` children with their output in files: only gdb
    # writes to the pipe the test reads, so nothing can interleave with gdb's own lines.
    work = tempfile.mkdtemp(prefix="memview-dbg-test-")
    counter_file = os.path.join(work, "counter")
    log = os.path.join(work, "shell.log")
    dump = "%s dump %s --offset %#x --length 8 --format raw > %s" % (
        shlex.quote(CLI), whole, t.addr("counter"), shlex.quote(counter_file))
    poke = shlex.quote(CLI) + " poke %s %#x --%s %s"
    commands = (mark("before", "g_state.counter") + [shell(dump, log)] +
                [shell(poke % (whole, t.addr("counter"), "u64", 123456789), log),
                 shell(poke % (whole, t.addr("command"), "u32", 99), log),
                 shell(poke % (whole, t.addr("values") + 8, "i32", -77), log),
                 shell(poke % (whole, t.addr("ratio"), "f64", 2.25), log)] +
                mark("counter", "g_state.counter") + mark("command", "g_state.command") +
                mark("value2", "g_state.values[2]") + mark("ratio", "g_state.ratio") +
                ["shell sleep 0.2"] + mark("still", "g_state.counter"))
    out = gdb_batch(t.pid, commands)
    shell_log = open(log).read() if os.path.exists(log) else ""
    check(shell_log.count("exit 0\n") == 5 and shell_log.count("wrote ") == 4,
          "memview-cli's dump and four pokes succeed while gdb holds the process: " +
          shell_log.replace("\n", " | "))
    before = printed(out, "before")
    stopped_read = int.from_bytes(open(counter_file, "rb").read(), "little") \
        if os.path.exists(counter_file) else None
    check(before is not None and stopped_read == int(before),
          "memview reads what gdb prints while gdb holds the process (%s vs %s)" %
          (before, stopped_read))
    check(printed(out, "counter") == "123456789", "gdb prints the counter memview wrote")
    check(printed(out, "command") == "99", "gdb prints the command memview wrote")
    check(printed(out, "value2") == "-77", "gdb prints the array element memview wrote")
    check(printed(out, "ratio") == "2.25", "gdb prints the double memview wrote")
    check(printed(out, "still") == "123456789", "the process stayed stopped under gdb")
    if failures:
        print("gdb's output:\n" + out)
    # gdb detached: the program runs on from what memview wrote.
    check(t.wait_line("command") == "command 99", "after detach the program sees command 99")
    check(counter_exceeds(t, whole, 123456789), "the counter continues from the written value")
    out = gdb_batch(t.pid, mark("cmd", "g_state.command") + mark("v2", "g_state.values[2]"))
    check(printed(out, "cmd") == "99" and printed(out, "v2") == "-77",
          "a second gdb sees the same values")
    shutil.rmtree(work, ignore_errors=True)

    # --- regions ---------------------------------------------------------------------------
    rc, out, err = cli("regions", whole, "--json")
    regions = json.loads(out) if rc == 0 else []
    kinds = {r["kind"] for r in regions}
    maps_lines = open("/proc/%d/maps" % t.pid).read().strip().splitlines()
    check(len(regions) == len(maps_lines), "regions lists every line of /proc/PID/maps")
    check("heap" in kinds and "stack" in kinds, "heap and stack are marked")
    shm = [r for r in regions if int(r["start"], 16) == t.shm]
    check(len(shm) == 1 and shm[0]["kind"] == "shm" and shm[0]["shared"] and
          shm[0]["object_spec"] == "shm:" + t.shm_name,
          "the shared memory mapping is marked with the spec that opens it")
    exe = [r for r in regions if r["path"].endswith("/debug_target")]
    check(any(int(r["start"], 16) <= t.state < int(r["end"], 16) for r in exe),
          "g_state lies in a mapping of the executable")
    rc, out, err = cli("regions", whole)
    check(rc == 0 and "[heap]" in out.decode() and "PERMS" in out.decode(), "regions table")
    rc, out, err = cli("regions", "pid:%d:[heap]" % t.pid, "--json")
    check(rc == 0 and [r["kind"] for r in json.loads(out)] == ["heap"], "regions of [heap] only")
    rc, out, err = cli("regions", "shm:/nope")
    check(rc != 0 and err.startswith("error: ") and "pid:PID" in err, "regions needs pid:")

    # --- permission: another user's process ----------------------------------------------
    if os.geteuid() == 0:
        p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            CLI, "info", whole],
                           capture_output=True, text=True, timeout=30)
        check(p.returncode == 1 and p.stderr.count("\n") == 1 and
              p.stderr.startswith("error: ") and "belongs to user root" in p.stderr and
              "CAP_SYS_PTRACE" in p.stderr,
              "another user's process: one clear error with the fix (%s)" % p.stderr.strip())

    # --- bad input -----------------------------------------------------------------------
    for bad in ["pid:", "pid:0", "pid:abc", "pid:%d@0x10+0" % t.pid, "pid:%d:nomatch" % t.pid]:
        rc, out, err = cli("info", bad)
        check(rc != 0 and err.startswith("error: ") and err.count("\n") == 1,
              "one clear error for %s: %s" % (bad, err.strip()))
    rc, out, err = cli("poke", whole, hex(t.pages + 4096), "--u32", 1)
    check(rc != 0 and "not mapped" in err, "poke into a hole: " + err.strip())

    # --- exit: watch reports it and ends -------------------------------------------------
    watch = subprocess.Popen([CLI, "watch", whole,
                              "--offset", hex(t.addr("counter")), "--length", "8",
                              "--interval-ms", "20"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    # Stop the target only once watch has opened it (a slow start, e.g. under ASan on a
    # busy machine, would otherwise find no process at all).
    first = watch.stdout.readline()
    time.sleep(0.1)
    t.stop()
    try:
        wout, werr = watch.communicate(timeout=10)
        wout = first + wout
        check("exited" in wout, "watch reports the exit: " + wout.strip().splitlines()[-1])
        check(watch.returncode == 0, "watch ends cleanly after the exit")
    except subprocess.TimeoutExpired:
        watch.kill()
        check(False, "watch did not end after the process exited")
finally:
    t.stop()
finish()
