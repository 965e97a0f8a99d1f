"""Shared helpers of the debugger scenario tests: the debuggee, the CLI, gdb and gdbserver."""
import os
import re
import select
import shlex
import shutil
import subprocess
import sys
import time

CLI = os.environ.get("MEMVIEW_CLI", "memview-cli")
TARGET = os.environ.get("MEMVIEW_DEBUG_TARGET", "debug_target")
EXTENSION = os.environ.get("MEMVIEW_GDB_EXTENSION", "")
LISTENER = os.environ.get("MEMVIEW_CONTROL_LISTENER", "")
GUI = os.environ.get("MEMVIEW_GUI", "")

failures = []


def check(cond, what):
    if cond:
        print("ok:", what)
    else:
        print("FAIL:", what)
        failures.append(what)


def finish():
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("all checks passed")
    sys.exit(0)


def skip(reason):
    # ctest counts exit code 0 as a pass; the reason is printed for people to read.
    print("SKIPPED:", reason)
    sys.exit(0)


def require(program):
    if shutil.which(program) is None:
        print("error: %s is not installed (scripts/install-deps installs it)" % program)
        sys.exit(1)


class Target:
    """debug_target.c running, with the facts it printed."""

    def __init__(self):
        self.proc = subprocess.Popen([TARGET], stdout=subprocess.PIPE, text=True, bufsize=1)
        self.pid = self.proc.pid
        self.fields = {}
        self.buffer = ""
        while True:
            line = self.line(10)
            if line is None:
                raise RuntimeError("debug_target did not start")
            words = line.split()
            if words[0] == "ready":
                break
            if words[0] == "state":
                self.state = int(words[1], 16)
                self.size = int(words[2])
            elif words[0] == "offset":
                self.fields[words[1]] = (int(words[2]), int(words[3]))
            elif words[0] == "pages":
                self.pages = int(words[1], 16)
            elif words[0] == "heap":
                self.heap = int(words[1], 16)
            elif words[0] == "shm":
                self.shm = int(words[1], 16)
                self.shm_name = words[2]

    def addr(self, field):
        return self.state + self.fields[field][0]

    def line(self, timeout):
        """The next line of the target's output, or None after timeout seconds."""
        deadline = time.time() + timeout
        while "\n" not in self.buffer:
            left = deadline - time.time()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 4096).decode()
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split("\n", 1)
        return line

    def wait_line(self, prefix, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.line(deadline - time.time())
            if line is None:
                return None
            if line.startswith(prefix):
                return line
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        # The debuggee unlinks its shm object only when it exits normally.
        try:
            os.unlink("/dev/shm" + self.shm_name)
        except (OSError, AttributeError):
            pass


def cli(*args, **kw):
    """Runs memview-cli; returns (exit code, stdout, stderr)."""
    p = subprocess.run([CLI] + [str(a) for a in args], capture_output=True, timeout=60, **kw)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


# gdb as the tests run it, whatever the caller's environment: no init files, no styling,
# no debuginfod downloads, the C locale (how values and char escapes print).
GDB = ["gdb", "-nx", "-batch", "-iex", "set style enabled off",
       "-iex", "set debuginfod enabled off"]


def gdb_env(base=None):
    """The environment for gdb: `base` (default os.environ) with the C locale and without
    the variables that would make gdb fetch debug info over the network."""
    env = dict(os.environ if base is None else base, LC_ALL="C")
    env.pop("DEBUGINFOD_URLS", None)
    return env


def gdb_batch(pid, commands, extra=(), timeout=120):
    """gdb -batch -p PID with -ex commands; returns its stdout+stderr as text.

    Only gdb may write to the pipe: a `shell` child writing there too would interleave with
    what gdb still holds in its stdout buffer (how much it holds depends on the caller's
    environment). Shell commands must send their output to files (see shell())."""
    args = GDB + ["-p", str(pid)]
    for c in extra:
        args += ["-ex", c]
    for c in commands:
        args += ["-ex", c]
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, env=gdb_env())
    return p.stdout + p.stderr


def shell(command, log):
    """A gdb `shell` command whose output (stdout and stderr) goes to the file `log`, and
    whose exit status is appended to it as "exit N"."""
    log = shlex.quote(log)
    return "shell (%s) </dev/null >>%s 2>&1; echo exit $? >>%s" % (command, log, log)


def printed(output, name):
    """Values of gdb's `print` lines tagged with `echo name=` markers (see mark())."""
    m = re.search(r"^%s=\$\d+ = (.*)$" % re.escape(name), output, re.M)
    return m.group(1).strip() if m else None


def mark(name, expr):
    """gdb commands printing `name=$N = value` on one line, for printed()."""
    return ["echo %s=" % name, "print %s" % expr]
