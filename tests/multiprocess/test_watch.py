"""watch sees what another process writes: the C++ writer program (mp_peer) and
python's shared_memory change bytes while `memview-cli watch` polls and diffs."""
import re
import subprocess
import threading
import time
import unittest

from mp_common import CLI, Peer, PyShm, main, remove_shm_quietly, unique_name

CHANGE = re.compile(r"^\+\d+\.\d{3}s change 0x([0-9a-f]+) (\d+) byte\(s\): ([0-9a-f ]+) -> ([0-9a-f ]+)$")


class Watch:
    """`memview-cli watch` in the background, its output collected line by line."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([CLI, "watch", *[str(a) for a in args]],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.lock = threading.Lock()
        first = self.proc.stdout.readline()
        if not first.startswith("watching "):
            self.proc.kill()
            raise AssertionError(f"watch did not start: {first!r} {self.proc.stderr.read()}")
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def _pump(self):
        for line in self.proc.stdout:
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def snapshot(self):
        with self.lock:
            return list(self.lines)

    def changes(self):
        out = []
        for line in self.snapshot():
            m = CHANGE.match(line)
            if m:
                out.append((int(m.group(1), 16), int(m.group(2)), m.group(3), m.group(4)))
        return out

    def wait_for(self, predicate, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.snapshot()):
                return True
            time.sleep(0.01)
        return False

    def finish(self, timeout=20):
        rc = self.proc.wait(timeout=timeout)
        self.thread.join(timeout=5)
        err = self.proc.stderr.read()
        self.proc.stderr.close()
        return rc, err

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.thread.join(timeout=5)
        for pipe in (self.proc.stdout, self.proc.stderr):
            try:
                pipe.close()
            except Exception:
                pass


def hexs(b):
    return " ".join(f"{x:02x}" for x in b)


class WatchWriterTest(unittest.TestCase):
    def test_sees_cpp_writer_changes_then_removal(self):
        name = unique_name("watch")
        peer = Peer("owner", "/" + name, 4096)
        watch = None
        try:
            watch = Watch(name, "--interval-ms", "5")
            time.sleep(0.3)  # the first poll is the baseline, not a change
            writes = [(0x10, bytes.fromhex("01020304")), (0x10, bytes.fromhex("a1a2a3a4")),
                      (100, b"\xff"), (4094, b"\xaa\xbb"), (2048, b"XYZ!" * 8)]
            shadow = bytearray(4096)
            expected = []
            for offset, data in writes:
                old = bytes(shadow[offset:offset + len(data)])
                shadow[offset:offset + len(data)] = data
                expected.append((offset, len(data), hexs(old), hexs(data)))
                peer.command(f"write {offset} {data.hex()}")
                n = len(expected)
                # Wait until watch reported it before the next write, so each change is
                # one poll apart and the expected old bytes are exact.
                self.assertTrue(watch.wait_for(lambda _: len(watch.changes()) >= n),
                                f"watch missed {expected[-1]}: {watch.snapshot()}")
            self.assertEqual(watch.changes(), expected)
            peer.command("unlink")
            rc, err = watch.finish()
            self.assertEqual(rc, 0, err)
            self.assertTrue(any(re.match(r"^\+\d+\.\d+s removed", l) for l in watch.snapshot()),
                            watch.snapshot())
        finally:
            if watch:
                watch.kill()
            peer.command("exit") if peer.proc.poll() is None else None
            peer.close()
            remove_shm_quietly(name)

    def test_window_and_count(self):
        name = unique_name("window")
        py = PyShm(name, 8192, create=True)
        try:
            # Only [0x1000, 0x1010) is watched; the write at 0x0 must not show up.
            watch = Watch(name, "--offset", "0x1000", "--length", "16", "--interval-ms", "5",
                          "--count", "100000")
            try:
                time.sleep(0.3)
                py.buf[0] = 0x55
                py.buf[0x1008] = 0x66
                self.assertTrue(watch.wait_for(lambda _: watch.changes()))
                time.sleep(0.2)
                self.assertEqual(watch.changes(), [(0x1008, 1, "00", "66")])
            finally:
                watch.proc.terminate()  # SIGTERM ends watch cleanly
                rc, err = watch.finish()
                watch.kill()
                self.assertEqual(rc, 0, err)

            # --count N: N polls, then exit 0 on its own.
            r = subprocess.run([CLI, "watch", name, "--count", "3", "--interval-ms", "1"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            py.close()

    def test_python_writer_many_changes(self):
        """A python writer bumps a counter; watch reports each value transition in order."""
        name = unique_name("pycount")
        py = PyShm(name, 64, create=True)
        watch = None
        try:
            watch = Watch(name, "--interval-ms", "2")
            time.sleep(0.3)
            for value in range(1, 21):
                py.buf[8] = value
                self.assertTrue(watch.wait_for(lambda _: len(watch.changes()) >= value),
                                watch.snapshot())
            self.assertEqual(watch.changes(),
                             [(8, 1, f"{v - 1:02x}", f"{v:02x}") for v in range(1, 21)])
        finally:
            if watch:
                watch.kill()
            py.close()


if __name__ == "__main__":
    main()
