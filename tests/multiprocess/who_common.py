"""Shared by the who / who-writes tests: the C target program (who_target.c) driven over
stdin/stdout, and memview-cli who-writes running in the background."""
import functools
import os
import pwd
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from run_as import reachable  # noqa: E402

CLI = os.environ.get("MEMVIEW_CLI", "")
WHO_TARGET = os.environ.get("MEMVIEW_WHO_TARGET", "")
SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "who_target.c")


def store_lines():
    """The source lines of the marked stores in who_target.c: {"ALPHA": 64, ...}."""
    out = {}
    with open(SOURCE) as f:
        for number, line in enumerate(f, 1):
            m = re.search(r"WHO-STORE-(\w+)", line)
            if m:
                out[m.group(1)] = number
    return out


def nobody():
    """(uid, gid) of the unprivileged user the permission tests run as, or None."""
    try:
        pw = pwd.getpwnam("nobody")
        return pw.pw_uid, pw.pw_gid
    except KeyError:
        return None


def as_user(user, args):
    """args run as `user` (uid, gid) with setpriv, all privileges dropped (the program from a
    copy that user can reach and read, see run_as.py); as is when None."""
    if user is None:
        return args
    return [shutil.which("setpriv") or "setpriv", "--reuid=%d" % user[0], "--regid=%d" % user[1],
            "--clear-groups", "--inh-caps=-all", "--", reachable(args[0])] + args[1:]


@functools.lru_cache(maxsize=None)
def why_breakpoints_do_not_fire():
    """memview's own self-test, through a watch of this process: the reason hit counts cannot
    be tested here (write breakpoints that never fire, as on some virtual machines), or ""."""
    p = subprocess.run([CLI, "who-writes", "pid:%d@0x1000+8" % os.getpid(), "0x1000",
                        "--duration", "0.1"], capture_output=True, text=True, timeout=60)
    return p.stderr.strip() if "do not fire on this machine" in p.stderr else ""


def skip_unless_breakpoints_fire(test):
    """Skips `test` (a unittest.TestCase) with the self-test's reason where write breakpoints
    never fire: a watch that attaches then fails saying so."""
    why = why_breakpoints_do_not_fire()
    if why:
        test.skipTest(why)


class Target:
    """who_target running: `ready ADDR` read, then commands and their answers."""

    def __init__(self, *args, user=None):
        self.proc = subprocess.Popen(as_user(user, [WHO_TARGET, *args]), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        self.pid = self.proc.pid  # setpriv execs the target: the same pid
        self.lines = queue.Queue()
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()
        ready = self.expect("ready")
        self.addr = int(ready.split()[1], 16)

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, prefix, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("who_target: no %r within %s s" % (prefix, timeout))
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError("who_target exited before %r" % prefix)
            if line.startswith(prefix):
                return line

    def done_counts(self, expected, timeout=60):
        """Waits for `expected` "NAME-done N" lines in any order; returns {NAME: total N}."""
        totals = {}
        deadline = time.monotonic() + timeout
        for _ in range(expected):
            line = self.expect("", timeout=max(0.1, deadline - time.monotonic()))
            while "-done " not in line:
                line = self.expect("", timeout=max(0.1, deadline - time.monotonic()))
            name, n = line.split("-done ")
            totals[name] = totals.get(name, 0) + int(n)
        return totals

    def send(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def spin(self, ms):
        """Writes from writer_spin for ms milliseconds; returns how many it made."""
        self.send("spin %d" % ms)
        return int(self.expect("spin ", timeout=30 + ms / 1000).split()[1])

    def close(self):
        if self.proc.poll() is None:
            try:
                self.send("exit")
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.thread.join(timeout=10)  # reads stdout to its end
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except (OSError, ValueError):
                pass


class WhoWrites:
    """memview-cli who-writes in the background; ready once it printed `watching` on stderr."""

    def __init__(self, *args, user=None, timeout=30):
        self.proc = subprocess.Popen(as_user(user, [CLI, "who-writes", *[str(a) for a in args]]),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.err_lines = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.err_lines.append(line)
            if line.startswith("watching "):
                return

    @property
    def attached(self):
        return any(line.startswith("watching ") for line in self.err_lines)

    def stop(self, sig=signal.SIGINT):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.finish()

    def finish(self, timeout=60):
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, "".join(self.err_lines) + err


def run(*args, user=None, timeout=60):
    p = subprocess.run(as_user(user, [CLI, *[str(a) for a in args]]), capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def read_u64(spec, offset):
    """The little-endian u64 at offset, read with memview-cli dump --format raw."""
    p = subprocess.run([CLI, "dump", spec, "--offset", hex(offset), "--length", "8", "--format", "raw"],
                       capture_output=True, timeout=60)
    if p.returncode != 0 or len(p.stdout) != 8:
        raise AssertionError("dump %s: %s" % (spec, p.stderr.decode(errors="replace")))
    return int.from_bytes(p.stdout, "little")


def by_function(table):
    """{function: (count, {(basename(file), line)}, {pid})} of a who-writes JSON table."""
    out = {}
    for row in table["writers"]:
        count, where, pids = out.get(row["function"], (0, set(), set()))
        where.add((os.path.basename(row["file"]), row["line"]))
        pids.add(row["pid"])
        out[row["function"]] = (count + row["count"], where, pids)
    return out
