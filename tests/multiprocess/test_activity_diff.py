"""activity, snapshot and diff against real other processes: a python writer changes known
chunks of a 256 MiB object while `memview-cli activity` sweeps it (exactly those chunks are
reported); snapshot diffs match a python reference diff on random data with random changes
(file against file, file against the live object); a process's mapping that appears between
two snapshots is reported as appeared; bad snapshot files are one error with exit 2."""
import json
import os
import random
import subprocess
import sys
import tempfile
import unittest

from mp_common import PyShm, asan_build, main, run_cli, unique_name

CHUNK = 8192

WRITER = r"""
import mmap, os, sys, time
path, offsets = sys.argv[1], [int(x) for x in sys.argv[2].split(",")]
fd = os.open(path, os.O_RDWR)
m = mmap.mmap(fd, 0)
sys.stdout.write("ready\n"); sys.stdout.flush()
while True:
    for off in offsets:
        m[off] = (m[off] + 1) & 0xff
    time.sleep(0.2)
"""


def reference_runs(a, b):
    """Maximal runs of differing bytes, byte by byte."""
    runs = []
    start = None
    for i in range(len(a)):
        if a[i] != b[i]:
            if start is None:
                start = i
        elif start is not None:
            runs.append((start, i - start))
            start = None
    if start is not None:
        runs.append((start, len(a) - start))
    return runs


def reference_runs_fast(a, b, changed):
    """The same, looking only around the changed offsets (a and b are large)."""
    runs = []
    for lo in sorted(changed):
        if runs and lo < runs[-1][0] + runs[-1][1]:
            continue
        if a[lo] == b[lo]:
            continue
        start = lo
        while start > 0 and a[start - 1] != b[start - 1]:
            start -= 1
        end = lo
        while end < len(a) and a[end] != b[end]:
            end += 1
        if runs and start < runs[-1][0] + runs[-1][1]:
            continue
        runs.append((start, end - start))
    return sorted(set(runs))


class ActivityTest(unittest.TestCase):
    def test_marks_exactly_the_chunks_a_writer_changes(self):
        size = 256 << 20
        name = unique_name("activity")
        shm = PyShm(name, size, create=True)
        self.addCleanup(shm.close)
        offsets = [0, 5 * CHUNK + 17, 5 * CHUNK + 18, 1000 * CHUNK, size // 2 + 3, size - 1]
        writer = subprocess.Popen([sys.executable, "-c", WRITER, "/dev/shm/" + name,
                                   ",".join(map(str, offsets))], stdout=subprocess.PIPE, text=True)
        self.addCleanup(writer.stdout.close)
        self.addCleanup(writer.wait)
        self.addCleanup(writer.kill)
        self.assertEqual(writer.stdout.readline().strip(), "ready")
        r = run_cli("activity", "shm:" + name, "--seconds", "3", "--budget", "0", "--json",
                    timeout=240)
        self.assertEqual(r.returncode, 0, r.stderr)
        report = json.loads(r.stdout)
        self.assertGreaterEqual(report["sweeps"], 2)
        self.assertEqual(report["bytes"], size)
        self.assertGreater(report["sweep_period_ms"], 0)
        want = sorted({off // CHUNK for off in offsets})
        got = []
        for c in report["changed"]:
            self.assertEqual(c["address"] % CHUNK, 0)
            got.extend(range(c["address"] // CHUNK, (c["address"] + c["length"]) // CHUNK))
            self.assertGreaterEqual(c["changes"], 1)
        self.assertEqual(sorted(got), want)

    def test_bad_options_are_one_error(self):
        r = run_cli("activity", "shm:" + unique_name("missing"), "--seconds", "0")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        name = unique_name("chunk")
        shm = PyShm(name, 65536, create=True)
        self.addCleanup(shm.close)
        r = run_cli("activity", "shm:" + name, "--chunk", "1000", "--seconds", "0")
        self.assertEqual(r.returncode, 1)
        self.assertIn("power of two", r.stderr)


class DiffTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def snapshot(self, spec, out, *extra):
        r = run_cli("snapshot", spec, "--out", out, "--json", *extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_diff_matches_a_python_reference_on_random_changes(self):
        rng = random.Random(15)
        for rnd in range(3):
            size = rng.randrange(1, 2 << 20)
            name = unique_name("diff")
            shm = PyShm(name, size, create=True)
            self.addCleanup(shm.close)
            shm.buf[:size] = rng.randbytes(size)
            before = shm.bytes()
            a = self.path(f"a{rnd}.mvsnap")
            info = self.snapshot("shm:" + name, a, "--name", "before")
            self.assertEqual(info["bytes"], size)
            changed = set()
            for _ in range(rng.randrange(0, 40)):
                at = rng.randrange(size)
                n = min(size - at, rng.randrange(1, 64))
                shm.buf[at:at + n] = rng.randbytes(n)
                changed.update(range(at, at + n))
            after = shm.bytes()
            want = reference_runs_fast(before, after, changed)
            if size <= 200000:
                self.assertEqual(want, reference_runs(before, after))
            b = self.path(f"b{rnd}.mvsnap")
            self.snapshot("shm:" + name, b)
            for second in (b, "shm:" + name):
                r = run_cli("diff", a, second, "--json")
                self.assertEqual(r.returncode, 1 if want else 0, r.stderr)
                report = json.loads(r.stdout)
                got = [(x["address"], x["length"]) for x in report["ranges"]]
                self.assertEqual(got, want, f"round {rnd} against {second}")
                self.assertEqual(report["differing_bytes"], sum(n for _, n in want))
                self.assertEqual(report["a"]["name"], "before")
                for x in report["ranges"][:5]:
                    old = bytes.fromhex(x["old"].replace(" ", ""))
                    new = bytes.fromhex(x["new"].replace(" ", ""))
                    at = x["preview_address"]
                    self.assertEqual(old, before[at:at + len(old)])
                    self.assertEqual(new, after[at:at + len(new)])
            r = run_cli("diff", a, a)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(r.stdout.decode().startswith("same:"), r.stdout)

    def test_text_output_one_line_per_range(self):
        name = unique_name("text")
        shm = PyShm(name, 4096, create=True)
        self.addCleanup(shm.close)
        a = self.path("a")
        self.snapshot("shm:" + name, a)
        shm.buf[16:20] = b"ABCD"
        shm.buf[100] = 1
        r = run_cli("diff", a, "shm:" + name, "--context", "2")
        self.assertEqual(r.returncode, 1, r.stderr)
        lines = r.stdout.decode().splitlines()
        self.assertEqual(len(lines), 3, lines)
        self.assertTrue(lines[0].startswith("0x0000000000000010          4  00 00 00 00 00 00 00 00 "),
                        lines[0])
        self.assertTrue(lines[0].endswith("-> 00 00 41 42 43 44 00 00 |..ABCD..|"), lines[0])
        self.assertTrue(lines[2].startswith("different: 2 differing ranges, 5 bytes differ"), lines[2])

    def test_bad_snapshot_files_are_one_error(self):
        name = unique_name("bad")
        shm = PyShm(name, 65536, create=True)
        self.addCleanup(shm.close)
        shm.buf[:65536] = random.Random(1).randbytes(65536)
        good = self.path("good")
        self.snapshot("shm:" + name, good)
        with open(good, "rb") as f:
            data = f.read()
        cases = {
            "truncated": data[: len(data) // 2],
            "corrupt": data[:-40] + bytes([data[-40] ^ 0xff]) + data[-39:],
            "newer": data[:8] + bytes([9]) + data[9:],
        }
        for label, content in cases.items():
            p = self.path(label)
            with open(p, "wb") as f:
                f.write(content)
            r = run_cli("diff", p, good)
            self.assertEqual(r.returncode, 2, f"{label}: {r.stderr}")
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertTrue(r.stderr.startswith("error: "), r.stderr)
        foreign = self.path("foreign.txt")
        with open(foreign, "w") as f:
            f.write("hello, not a snapshot\n")
        r = run_cli("diff", foreign, good)
        self.assertEqual(r.returncode, 2)
        self.assertIn("not a memview snapshot", r.stderr)
        # A snapshot of another size.
        other = unique_name("other")
        shm2 = PyShm(other, 4096, create=True)
        self.addCleanup(shm2.close)
        small = self.path("small")
        self.snapshot("shm:" + other, small)
        r = run_cli("diff", good, small)
        self.assertEqual(r.returncode, 2)
        self.assertIn("different extents", r.stderr)
        # An existing file is not overwritten without --force.
        r = run_cli("snapshot", "shm:" + name, "--out", good)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--force", r.stderr)

    @unittest.skipIf(asan_build(), "a whole-process snapshot under ASan is slow")
    def test_process_region_that_appeared(self):
        child = subprocess.Popen(
            [sys.executable, "-c",
             "import mmap, ctypes, sys\n"
             "sys.stdin.readline()\n"
             "m = mmap.mmap(-1, 3 << 20)\n"
             "m.write(b'\\x5a' * (3 << 20))\n"
             "a = ctypes.addressof(ctypes.c_char.from_buffer(m))\n"
             "print(a, flush=True)\n"
             "sys.stdin.readline()\n"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.addCleanup(child.stdout.close)
        self.addCleanup(child.stdin.close)
        self.addCleanup(child.wait)
        self.addCleanup(child.kill)
        spec = f"pid:{child.pid}"
        a = self.path("p1")
        r = run_cli("snapshot", spec, "--out", a, timeout=120)
        if r.returncode != 0 and "ptrace" in r.stderr:
            self.skipTest(r.stderr)
        self.assertEqual(r.returncode, 0, r.stderr)
        child.stdin.write("go\n")
        child.stdin.flush()
        address = int(child.stdout.readline())
        r = run_cli("diff", a, spec, "--json", "--max-ranges", "100", timeout=120)
        self.assertEqual(r.returncode, 1, r.stderr)
        report = json.loads(r.stdout)
        appeared = [x for x in report["regions"] if x["change"] == "appeared"
                    and x["address"] <= address < x["address"] + x["length"]]
        self.assertEqual(len(appeared), 1, report["regions"])
        child.stdin.write("done\n")
        child.stdin.flush()


if __name__ == "__main__":
    main()
