"""memview-cli scan / find against real processes and real shared memory.

The C target (scan_target.c) plants a value computed at run time in a global, on the heap,
on the stack and in a MAP_SHARED mapping; the scan must find exactly those four addresses,
and the narrowings after the target changes them exactly the changed ones. A python peer
(multiprocessing.shared_memory) is the shm: source.
"""
import json
import os
import random
import re
import struct
import subprocess
import tempfile
import unittest

from mp_common import CLI, SysvSegment, run_cli, shared_memory, unique_name

TARGET = os.environ.get("MEMVIEW_SCAN_TARGET", "")
VALUE = 1012563481  # not in the target's code: it is parsed from argv


class Target:
    def __init__(self):
        self.proc = subprocess.Popen([TARGET, str(VALUE), "NeedleText"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.addr = json.loads(self.proc.stdout.readline())

    def send(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "ok"

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.write("exit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=30)
        self.proc.stdin.close()
        self.proc.stdout.close()

    @property
    def spec(self):
        return f"pid:{self.proc.pid}"


def addresses(proc):
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    return {int(m["address"], 16) for m in doc["matches"]}


@unittest.skipUnless(CLI and TARGET, "MEMVIEW_CLI / MEMVIEW_SCAN_TARGET not set")
class ScanProcessTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.target = Target()
        self.addCleanup(self.target.close)
        self.addCleanup(self.tmp.cleanup)

    def state(self, name):
        return os.path.join(self.tmp.name, name)

    def test_finds_exactly_the_planted_values_and_narrows_to_the_changed_ones(self):
        t = self.target
        planted = {t.addr[k] for k in ("global", "heap", "stack", "shared")}
        first = run_cli("scan", t.spec, "--type", "i32", "--eq", VALUE, "--json", "--limit",
                        "1000", "--save", self.state("s0"))
        self.assertEqual(addresses(first), planted)
        self.assertGreater(json.loads(first.stdout)["bytes_scanned"], 0)
        t.send("step")
        cases = {
            "--increased": {t.addr["global"], t.addr["shared"]},
            "--decreased": {t.addr["heap"]},
            "--unchanged": {t.addr["stack"]},
            "--changed": {t.addr["global"], t.addr["heap"], t.addr["shared"]},
        }
        for flag, want in cases.items():
            got = run_cli("scan", t.spec, "--from", self.state("s0"), flag, "--json")
            self.assertEqual(addresses(got), want, flag)
        for flag, n, want in (("--increased-by", 5, {t.addr["global"]}),
                              ("--increased-by", 7, {t.addr["shared"]}),
                              ("--decreased-by", 3, {t.addr["heap"]})):
            got = run_cli("scan", t.spec, "--from", self.state("s0"), flag, n, "--json")
            self.assertEqual(addresses(got), want, f"{flag} {n}")
        # Narrowing chains through saved states; --eq narrows to one value.
        got = run_cli("scan", t.spec, "--from", self.state("s0"), "--changed", "--save",
                      self.state("s1"), "--json")
        self.assertEqual(len(addresses(got)), 3)
        got = run_cli("scan", t.spec, "--from", self.state("s1"), "--eq", VALUE + 5, "--json")
        self.assertEqual(addresses(got), {t.addr["global"]})

    def test_unknown_initial_value_then_unchanged_and_an_unmapped_region(self):
        t = self.target
        first = run_cli("scan", t.spec, "--type", "i32", "--unknown", "--save", self.state("u"),
                        "--json", "--limit", "0")
        self.assertEqual(first.returncode, 0, first.stderr)
        t.send("step")
        t.send("unmap")
        got = run_cli("scan", t.spec, "--from", self.state("u"), "--changed", "--json",
                      "--limit", "100000")
        found = addresses(got)
        self.assertIn(t.addr["global"], found)
        self.assertIn(t.addr["heap"], found)
        self.assertNotIn(t.addr["shared"], found)  # unmapped: unreadable, not a candidate
        self.assertNotIn(t.addr["stack"], found)
        self.assertGreater(json.loads(got.stdout)["bytes_unreadable"], 0)

    def test_find_text_and_hex_patterns(self):
        t = self.target
        got = run_cli("find", t.spec, "--string", "needletext", "--ignore-case", "--json",
                      "--limit", "1000")
        self.assertEqual(got.returncode, 0, got.stderr)
        found = {int(a, 16) for a in json.loads(got.stdout)["addresses"]}
        self.assertIn(t.addr["ascii"], found)
        got = run_cli("find", t.spec, "--string", "NeedleText", "--utf16", "--json")
        found = {int(a, 16) for a in json.loads(got.stdout)["addresses"]}
        self.assertEqual(found, {t.addr["utf16"]})
        v = struct.pack("<i", VALUE)
        pattern = f"{v[0]:02x} ?? {v[2]:02x} {v[3]:02x}"
        got = run_cli("find", t.spec, "--hex", pattern, "--json", "--limit", "1000")
        found = {int(a, 16) for a in json.loads(got.stdout)["addresses"]}
        self.assertTrue({t.addr[k] for k in ("global", "heap", "stack", "shared")} <= found)

    def test_state_of_another_process_and_damaged_states_are_refused(self):
        t = self.target
        ok = run_cli("scan", t.spec, "--type", "u8", "--eq", "1", "--save", self.state("s"))
        self.assertEqual(ok.returncode, 0, ok.stderr)
        other = Target()
        try:
            got = run_cli("scan", other.spec, "--from", self.state("s"), "--changed")
            self.assertEqual(got.returncode, 1)
            self.assertIn("belongs to", got.stderr)
        finally:
            other.close()
        with open(self.state("s"), "rb") as f:
            data = f.read()
        for name, damaged in (("cut", data[: len(data) // 2]), ("foreign", b"x" * 100),
                              ("flip", data[:-20] + bytes([data[-20] ^ 1]) + data[-19:])):
            with open(self.state(name), "wb") as f:
                f.write(damaged)
            got = run_cli("scan", t.spec, "--from", self.state(name), "--changed")
            self.assertEqual(got.returncode, 1, name)
            self.assertIn("not a valid scan state", got.stderr, name)
            self.assertEqual(got.stderr.count("\n"), 1, got.stderr)


@unittest.skipUnless(CLI, "MEMVIEW_CLI not set")
class ScanShmAndBadInputTest(unittest.TestCase):
    def test_shm_peer_values(self):
        name = unique_name("scan")
        shm = shared_memory.SharedMemory(name=name, create=True, size=1 << 20)
        self.addCleanup(shm.unlink)
        self.addCleanup(shm.close)
        rng = random.Random(5)
        shm.buf[:] = bytes(rng.randrange(256) for _ in range(1 << 20))
        for off in rng.sample(range(0, (1 << 20) // 2, 2), 20):
            shm.buf[2 * off: 2 * off + 2] = struct.pack("<H", 51234)
        # The reference: every aligned position holding the value (random bytes may too).
        data = bytes(shm.buf)
        want = {p for p in range(0, len(data), 2) if data[p:p + 2] == struct.pack("<H", 51234)}
        got = run_cli("scan", f"shm:/{name}", "--type", "u16", "--eq", "51234", "--json",
                      "--limit", "1000")
        self.assertEqual(addresses(got), want)
        be = {p for p in range(0, len(data), 2) if data[p:p + 2] == struct.pack(">H", 51234)}
        got = run_cli("scan", f"shm:/{name}", "--type", "u16", "--eq", "51234", "--be",
                      "--json", "--limit", "1000")
        self.assertEqual(addresses(got), be)

    def test_memory_cap_spills_and_finds_the_same(self):
        name = unique_name("scancap")
        shm = shared_memory.SharedMemory(name=name, create=True, size=3 << 20)
        self.addCleanup(shm.unlink)
        self.addCleanup(shm.close)
        rng = random.Random(11)
        shm.buf[:] = bytes(rng.randrange(4) for _ in range(3 << 20))
        spec = f"shm:/{name}"
        with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as spill:
            # The temporary file goes to TMPDIR and never has a name there.
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TMPDIR": spill,
                   "LC_ALL": "C"}
            runs = {}
            for label, extra in (("memory", ()), ("capped", ("--memory-cap", "1K"))):
                state = os.path.join(tmp, label)
                first = run_cli("scan", spec, "--type", "u16", "--unknown", "--save", state,
                                "--json", "--limit", "0", *extra, env=env)
                self.assertEqual(first.returncode, 0, first.stderr)
                runs[label] = [json.loads(first.stdout)]
            self.assertEqual(runs["memory"][0]["spilled_bytes"], 0)
            self.assertGreater(runs["capped"][0]["spilled_bytes"], 0)
            self.assertLess(runs["capped"][0]["memory_bytes"], 1 << 20)
            text = run_cli("scan", spec, "--type", "u8", "--eq", "1", "--memory-cap", "1K",
                           env=env)
            self.assertEqual(text.returncode, 0, text.stderr)
            self.assertIn(b"over the memory cap", text.stdout)
            # The saved states are the same bytes; narrowing either finds the same.
            with open(os.path.join(tmp, "memory"), "rb") as a, \
                    open(os.path.join(tmp, "capped"), "rb") as b:
                self.assertEqual(a.read(), b.read())
            for off in rng.sample(range(0, 3 << 20, 2), 50):
                shm.buf[off] = (shm.buf[off] + 1) % 256
            for label, extra in (("memory", ()), ("capped", ("--memory-cap", "64K"))):
                got = run_cli("scan", spec, "--from", os.path.join(tmp, label), "--changed",
                              "--json", "--limit", "1000", *extra, env=env)
                runs[label].append(addresses(got))
            self.assertEqual(runs["memory"][1], runs["capped"][1])
            self.assertEqual(len(runs["memory"][1]), 50)
            self.assertEqual(os.listdir(spill), [])

    def test_sysv_segment_and_file_narrowing(self):
        seg = SysvSegment(65536)
        self.addCleanup(seg.remove)
        seg.write(0, bytes(65536))
        for off in (8, 4096, 65528):
            seg.write(off, struct.pack("<d", 2.5))
        with tempfile.TemporaryDirectory() as tmp:
            state = os.path.join(tmp, "s")
            got = run_cli("scan", f"sysv:{seg.id}", "--type", "f64", "--eq", "2.5", "--json",
                          "--save", state)
            self.assertEqual(addresses(got), {8, 4096, 65528})
            seg.write(4096, struct.pack("<d", 3.75))
            got = run_cli("scan", f"sysv:{seg.id}", "--from", state, "--increased-by", "1.25",
                          "--json")
            self.assertEqual(addresses(got), {4096})
            path = os.path.join(tmp, "data.bin")
            with open(path, "wb") as f:
                f.write(bytes(4096) + b"\x07" + bytes(4095))
            got = run_cli("scan", f"file:{path}", "--type", "u8", "--align", "1", "--eq", "7",
                          "--json")
            self.assertEqual(addresses(got), {4096})

    def test_regex_finds_the_planted_matches_across_a_block_boundary(self):
        # 40 MiB: three 16 MiB blocks; a match straddles the first boundary.
        size = 40 << 20
        name = unique_name("findre")
        shm = shared_memory.SharedMemory(name=name, create=True, size=size)
        self.addCleanup(shm.unlink)
        self.addCleanup(shm.close)
        shm.buf[:] = random.Random(7).randbytes(size)
        planted = {0x123: b"key=42;", (16 << 20) - 3: b"key=123456;", 0x1800001: b"key=7777;",
                   size - 9: b"key=9999;"}
        for off, text in planted.items():
            shm.buf[off:off + len(text)] = text
        raw = {0x40: b"\xff\x00\x81\x9f\x90", 0x2000003: b"\xff\x00\x80\x80\x80"}
        for off, data in raw.items():
            shm.buf[off:off + len(data)] = data
        data = bytes(shm.buf)
        spec = f"shm:/{name}"
        # The reference: python's re over the same bytes (non-overlapping matches).
        for pattern in (rb"key=[0-9]{2,6};", rb"\xff\x00[\x80-\x9f]{3}"):
            want = {m.start(): m.end() - m.start() for m in re.finditer(pattern, data)}
            self.assertTrue(want)
            got = run_cli("find", spec, "--regex", pattern.decode("latin-1"), "--json",
                          "--limit", "1000")
            self.assertEqual(got.returncode, 0, got.stderr)
            doc = json.loads(got.stdout)
            found = dict(zip((int(a, 16) for a in doc["addresses"]), doc["lengths"]))
            self.assertEqual(found, want, pattern)
            self.assertEqual(doc["matches"], len(want))
        self.assertIn((16 << 20) - 3, {m.start() for m in re.finditer(rb"key=[0-9]{2,6};", data)})
        # ASCII letters in either case; the text output lists each match's length.
        got = run_cli("find", spec, "--regex", "KEY=4[0-9];", "--ignore-case")
        self.assertEqual(got.returncode, 0, got.stderr)
        self.assertIn(b"0x000000000123  7 bytes", got.stdout)

    def test_bad_input_is_one_error_line(self):
        name = unique_name("scanbad")
        shm = shared_memory.SharedMemory(name=name, create=True, size=4096)
        self.addCleanup(shm.unlink)
        self.addCleanup(shm.close)
        spec = f"shm:/{name}"
        for args in (("scan", spec, "--type", "i33", "--eq", "1"),
                     ("scan", spec, "--type", "u8", "--eq", "300"),
                     ("scan", spec, "--type", "i32", "--eq", "1.5"),
                     ("scan", spec, "--type", "i32"),
                     ("scan", spec, "--type", "i32", "--changed"),
                     ("find", spec, "--hex", ""),
                     ("find", spec, "--hex", "de a"),
                     ("find", spec, "--hex", "?? ??"),
                     ("find", spec, "--string", ""),
                     ("scan", spec, "--type", "u8", "--eq", "1", "--memory-cap", "12Q"),
                     ("scan", spec, "--type", "u8", "--eq", "1", "--memory-cap", "0"),
                     ("find", spec, "--regex", ""),
                     ("find", spec, "--regex", "a", "--hex", "61"),
                     ("find", spec, "--regex", "a", "--utf16"),
                     ("find", spec, "--regex", "x{3,1}"),
                     ("find", spec, "--regex", "ab(c")):
            got = run_cli(*args)
            self.assertNotEqual(got.returncode, 0, args)
            self.assertTrue(got.stderr.startswith("error: "), (args, got.stderr))
            self.assertEqual(got.stderr.count("\n"), 1, (args, got.stderr))
        # A bad regular expression names where it went wrong.
        self.assertIn("bad regular expression at offset 4", got.stderr)


if __name__ == "__main__":
    unittest.main()
