"""Shared helpers for memview's multi-process tests.

The CLI under test and the C++ writer come from the environment (set by CMake):
MEMVIEW_CLI, MEMVIEW_MP_PEER. python3's multiprocessing.shared_memory and plain
ctypes calls to shmget/shmat are the independent peers: nothing here uses memview code.
"""
import ctypes
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from multiprocessing import resource_tracker, shared_memory

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from run_as import reachable  # noqa: E402

CLI = os.environ.get("MEMVIEW_CLI", "")
PEER = os.environ.get("MEMVIEW_MP_PEER", "")
HEXDUMP = shutil.which("hexdump")

_serial = itertools.count()


def unique_name(tag):
    """A name no parallel test run uses: pid plus a per-process serial number."""
    return f"memview-mp-{os.getpid()}-{tag}-{next(_serial)}"


def run_cli(*args, input=None, timeout=60, env=None, user=None):
    """Runs memview-cli (as `user` when given); returns CompletedProcess with bytes stdout
    and text stderr. Arguments given as bytes (names) are passed as they are."""
    cmd = [CLI if user is None else reachable(CLI),
           *[a if isinstance(a, bytes) else str(a) for a in args]]
    kwargs = {}
    if user is not None:
        kwargs["user"] = user
        kwargs["group"] = pwd.getpwnam(user).pw_gid if isinstance(user, str) else None
        kwargs["extra_groups"] = []
    proc = subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, env=env, **kwargs)
    proc.stderr = proc.stderr.decode("utf-8", "replace")
    return proc


_asan = None


def asan_build():
    """True when the CLI under test is built with AddressSanitizer (its shadow memory needs
    terabytes of address space and adds to the resident memory)."""
    global _asan
    if _asan is None:
        try:
            with open(CLI, "rb") as f:
                _asan = b"__asan_init" in f.read()
        except OSError:
            _asan = False
    return _asan


def shm_path(name):
    return "/dev/shm/" + name.lstrip("/")


class PyShm:
    """A POSIX shared memory object held by python's multiprocessing.shared_memory."""

    def __init__(self, name, size=None, create=False):
        self.created = create
        self.shm = shared_memory.SharedMemory(name=name, create=create, size=size or 0)
        if not create:
            # Python 3.11's resource tracker would unlink an object we merely attached to
            # when this process exits; we do not own it.
            try:
                resource_tracker.unregister(self.shm._name, "shared_memory")
            except Exception:
                pass
        self.name = name

    @property
    def buf(self):
        return self.shm.buf

    def bytes(self):
        return bytes(self.shm.buf)

    def close(self, unlink=None):
        if self.shm is None:
            return
        self.shm.close()
        if unlink if unlink is not None else self.created:
            try:
                self.shm.unlink()
            except FileNotFoundError:
                pass
        self.shm = None


def remove_shm_quietly(name):
    try:
        os.unlink(shm_path(name))
    except FileNotFoundError:
        pass


# --- System V shared memory via libc (independent of memview) ---------------------
_libc = ctypes.CDLL(None, use_errno=True)
_libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
_libc.shmget.restype = ctypes.c_int
_libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
_libc.shmat.restype = ctypes.c_void_p
_libc.shmdt.argtypes = [ctypes.c_void_p]
_libc.shmdt.restype = ctypes.c_int
_libc.shmctl.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
_libc.shmctl.restype = ctypes.c_int
IPC_CREAT = 0o1000
IPC_EXCL = 0o2000
IPC_RMID = 0


class SysvSegment:
    """A System V segment created with shmget(IPC_CREAT|IPC_EXCL) and attached here."""

    def __init__(self, size, mode=0o600):
        self.size = size
        base = 0x4D560000 ^ ((os.getpid() & 0xFFF) << 4)
        for attempt in range(64):
            key = base + attempt + next(_serial) * 64
            shmid = _libc.shmget(key, size, IPC_CREAT | IPC_EXCL | mode)
            if shmid >= 0:
                break
            if ctypes.get_errno() != 17:  # EEXIST: try another key
                raise OSError(ctypes.get_errno(), "shmget failed")
        else:
            raise OSError("no free System V key")
        self.key = key
        self.id = shmid
        addr = _libc.shmat(shmid, None, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            self.remove()
            raise OSError(ctypes.get_errno(), "shmat failed")
        self.addr = addr

    def read(self, offset=0, length=None):
        length = self.size - offset if length is None else length
        return ctypes.string_at(self.addr + offset, length)

    def write(self, offset, data):
        ctypes.memmove(self.addr + offset, data, len(data))

    def remove(self):
        if getattr(self, "addr", None):
            _libc.shmdt(self.addr)
            self.addr = None
        if getattr(self, "id", None) is not None:
            _libc.shmctl(self.id, IPC_RMID, None)
            self.id = None


class Peer:
    """The C++ writer program (mp_peer), driven over stdin/stdout."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([PEER, *[str(a) for a in args]], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            self.proc.kill()
            raise RuntimeError(f"mp_peer did not start: {line!r}")

    def command(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline().strip()
        if reply != "ok":
            raise RuntimeError(f"mp_peer {text!r}: {reply!r}")

    def stop(self, timeout=30):
        """SIGTERM, then the rest of its stdout."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=timeout)
        return out

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except Exception:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except Exception:
                pass


def hexdump_c(path, offset=None, length=None):
    """Real `hexdump -C` (bsdextrautils) in the C locale."""
    cmd = [HEXDUMP, "-C"]
    if offset is not None:
        cmd += ["-s", str(offset)]
    if length is not None:
        cmd += ["-n", str(length)]
    cmd.append(path)
    env = dict(os.environ, LC_ALL="C")
    return subprocess.run(cmd, stdout=subprocess.PIPE, check=True, env=env).stdout


def wait_until(predicate, timeout=10.0, step=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def main():
    unittest.main(verbosity=2)


__all__ = ["CLI", "PEER", "HEXDUMP", "unique_name", "run_cli", "shm_path", "PyShm",
           "remove_shm_quietly", "SysvSegment", "Peer", "hexdump_c", "wait_until", "main",
           "tempfile", "asan_build"]
