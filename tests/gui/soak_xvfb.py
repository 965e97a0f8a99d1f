#!/usr/bin/env python3
"""Soak: `memview-cli watch` and the real viewer (under its own Xvfb) on one 64 MiB shared
memory object while a C writer (mp_peer counters) rewrites a counter in every page of it
as fast as it can, for MEMVIEW_SOAK_SECONDS (default 60). After a warm-up of a sixth of
that, each process's resident memory must stay within 10 % (max against min of the
samples) and it must not leak file descriptors: the descriptors open through the last
samples must be no more than those open through the first (a descriptor open for a moment,
such as the viewer's periodic read of /proc for the processes attached, is not a leak).

Environment: MEMVIEW_GUI, MEMVIEW_CLI, MEMVIEW_MP_PEER.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
from multiprocessing import shared_memory

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from xvfb import start_xvfb  # noqa: E402

GUI = os.environ["MEMVIEW_GUI"]
CLI = os.environ["MEMVIEW_CLI"]
PEER = os.environ["MEMVIEW_MP_PEER"]
SECONDS = float(os.environ.get("MEMVIEW_SOAK_SECONDS", "60"))
SIZE = 64 << 20


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fds(pid):
    """The open descriptors as (number, target) pairs."""
    out = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            out.add((fd, os.readlink("/proc/%d/fd/%s" % (pid, fd))))
        except OSError:  # closed while listed
            pass
    return out


def fd_leak(sets):
    """A message when the descriptors held through the last samples outnumber those held
    through the first, else None; transient ones are only reported."""
    k = max(1, len(sets) // 5)
    first, last = set.intersection(*sets[:k]), set.intersection(*sets[-k:])
    if len(last) <= len(first):
        return None
    return "fds held grew from %d to %d: %s" % (len(first), len(last), sorted(last - first))


def stop(proc, what):
    if proc is None or proc.poll() is not None:
        return proc.returncode if proc else None
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError("%s did not end on SIGTERM" % what)


def main():
    name = "memview-soak-%d" % os.getpid()
    shm = shared_memory.SharedMemory(name=name, create=True, size=SIZE)
    tmp = tempfile.mkdtemp(prefix="memview-soak-")
    xvfb = writer = watch = viewer = None
    failures = []
    try:
        writer = subprocess.Popen([PEER, "counters", "/" + name, "4096"], stdout=subprocess.PIPE,
                                  text=True)
        assert writer.stdout.readline().strip() == "ready", "the writer did not start"
        watch = subprocess.Popen([CLI, "watch", name, "--interval-ms", "10"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        xvfb, display = start_xvfb("1400x900x24")
        env = dict(os.environ, DISPLAY=display, XDG_CONFIG_HOME=os.path.join(tmp, "config"))
        viewer = subprocess.Popen([GUI, "shm:" + name], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        procs = {"watch": watch, "viewer": viewer}
        samples = {k: [] for k in procs}
        start = time.monotonic()
        warmup = SECONDS / 6
        while time.monotonic() - start < SECONDS:
            time.sleep(1.0)
            for k, p in procs.items():
                if p.poll() is not None:
                    raise AssertionError("%s ended early (rc %s): %s" %
                                         (k, p.returncode, p.stderr.read().decode()[-500:]))
                if time.monotonic() - start >= warmup:
                    samples[k].append((rss_kib(p.pid), fds(p.pid)))
        for k, s in samples.items():
            rss = [r for r, _ in s]
            fd = sorted({len(f) for _, f in s})
            lo, hi = min(rss), max(rss)
            growth = (hi - lo) / lo
            print("%s: %d samples, RSS %.1f..%.1f MiB (%.1f %%), fds %s" %
                  (k, len(s), lo / 1024, hi / 1024, growth * 100, fd), flush=True)
            if growth > 0.10:
                failures.append("%s: RSS moved by %.1f %% (%d..%d KiB)" % (k, growth * 100, lo, hi))
            transient = set.union(*[f for _, f in s]) - set.intersection(*[f for _, f in s])
            if transient:
                print("%s: open for a moment: %s" % (k, sorted(transient)), flush=True)
            leak = fd_leak([f for _, f in s])
            if leak:
                failures.append("%s: %s" % (k, leak))
        writer.send_signal(signal.SIGTERM)
        rounds = writer.communicate(timeout=30)[0].strip()
        print("writer:", rounds, flush=True)
        for k, p in procs.items():
            rc = stop(p, k)
            if rc != 0:
                failures.append("%s ended with rc %s" % (k, rc))
    finally:
        for p, what in ((viewer, "viewer"), (watch, "watch"), (writer, "writer")):
            try:
                stop(p, what)
            except AssertionError as e:
                failures.append(str(e))
        if xvfb:
            xvfb.terminate()
            xvfb.wait()
        shm.close()
        shm.unlink()
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
