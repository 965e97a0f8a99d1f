"""System V segments (created here with shmget through libc, not by memview) opened as
sysv:ID and sysvkey:KEY, and memory-mapped regular files opened as file:PATH: dump shows
the peer's bytes, poke is seen by the peer, watch sees the peer's writes."""
import json
import os
import struct
import subprocess
import tempfile
import time
import unittest

from mp_common import HEXDUMP, CLI, SysvSegment, hexdump_c, main, run_cli
from test_watch import Watch


class SysvTest(unittest.TestCase):
    def setUp(self):
        self.seg = SysvSegment(5000)
        self.addCleanup(self.seg.remove)
        self.data = bytes((i * 7 + 3) & 0xFF for i in range(5000))
        self.seg.write(0, self.data)

    def specs(self):
        return [f"sysv:{self.seg.id}", f"sysvkey:{self.seg.key:#x}", f"sysvkey:{self.seg.key}"]

    def test_dump(self):
        for spec in self.specs():
            r = run_cli("dump", spec, "--format", "raw")
            self.assertEqual(r.returncode, 0, f"{spec}: {r.stderr}")
            self.assertEqual(r.stdout, self.data, spec)
            r = run_cli("dump", spec, "--offset", "0x100", "--length", "0x20", "--format", "raw")
            self.assertEqual(r.stdout, self.data[0x100:0x120], spec)

    @unittest.skipUnless(HEXDUMP, "hexdump (bsdextrautils) is not installed")
    def test_dump_hex_matches_hexdump(self):
        with tempfile.NamedTemporaryFile() as f:
            f.write(self.data)
            f.flush()
            r = run_cli("dump", f"sysv:{self.seg.id}", "--offset", "3", "--length", "200")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.decode(), hexdump_c(f.name, 3, 200).decode())

    def test_poke_seen_by_peer(self):
        by_id, by_key = f"sysv:{self.seg.id}", f"sysvkey:{self.seg.key:#x}"
        r = run_cli("poke", by_id, "10", "cafebabe")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.seg.read(10, 4), bytes.fromhex("cafebabe"))
        r = run_cli("poke", by_key, "0x1000", "--u32", "0x01020304", "--be")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.seg.read(0x1000, 4), b"\x01\x02\x03\x04")
        r = run_cli("poke", by_key, "4999", "--i8=-1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.seg.read(4999, 1), b"\xff")
        expect = bytearray(self.data)
        expect[10:14] = bytes.fromhex("cafebabe")
        expect[0x1000:0x1004] = b"\x01\x02\x03\x04"
        expect[4999] = 0xFF
        self.assertEqual(self.seg.read(), bytes(expect))
        # Past the end: refused, nothing written.
        r = run_cli("poke", by_id, "4999", "0102")
        self.assertNotEqual(r.returncode, 0)
        self.assertTrue(r.stderr.startswith("error:"), r.stderr)
        self.assertEqual(self.seg.read(), bytes(expect))

    def test_info_and_list(self):
        r = run_cli("info", f"sysvkey:{self.seg.key:#x}", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        info = json.loads(r.stdout)
        self.assertIn(info["kind"], ("sysv", "sysvkey"))
        self.assertEqual(info["size"], 5000)
        self.assertTrue(info["writable"])
        self.assertEqual(info["mode"], "0600")
        self.assertEqual(info["attach_count"], 1)  # this test only; info detached first
        r = run_cli("list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        found = [o for o in json.loads(r.stdout) if o["kind"] == "sysv" and
                 o["spec"] == f"sysv:{self.seg.id}"]
        self.assertEqual(len(found), 1, r.stdout[:2000])
        self.assertEqual(found[0]["size"], 5000)
        self.assertGreaterEqual(found[0]["attach_count"], 1)  # we are attached

    def test_watch_sees_peer_and_removal(self):
        watch = Watch(f"sysv:{self.seg.id}", "--interval-ms", "5")
        self.addCleanup(watch.kill)
        time.sleep(0.3)
        self.seg.write(40, b"\x00\x00")
        self.assertTrue(watch.wait_for(lambda _: watch.changes()), watch.snapshot())
        old = " ".join(f"{b:02x}" for b in self.data[40:42])
        self.assertEqual(watch.changes()[0], (40, 2, old, "00 00"))
        self.seg.remove()  # IPC_RMID: the segment is marked for removal
        rc, err = watch.finish()
        self.assertEqual(rc, 0, err)
        self.assertTrue(any(" removed" in l for l in watch.snapshot()), watch.snapshot())


class FileTest(unittest.TestCase):
    def setUp(self):
        fd, self.path = tempfile.mkstemp(prefix=f"memview-mp-{os.getpid()}-")
        self.addCleanup(os.unlink, self.path)
        self.data = bytes(range(256)) * 3 + b"tail"
        os.write(fd, self.data)
        os.close(fd)

    def read_file(self):
        with open(self.path, "rb") as f:
            return f.read()

    def test_dump_and_poke(self):
        spec = "file:" + self.path
        r = run_cli("dump", spec, "--format", "raw")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, self.data)
        if HEXDUMP:
            r = run_cli("dump", spec)
            self.assertEqual(r.stdout.decode(), hexdump_c(self.path).decode())
        r = run_cli("poke", spec, "0x300", "54 41 49 4c")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run_cli("poke", spec, "8", "--f64", "0.1")
        self.assertEqual(r.returncode, 0, r.stderr)
        got = self.read_file()
        self.assertEqual(got[0x300:0x304], b"TAIL")
        self.assertEqual(struct.unpack("<d", got[8:16])[0], 0.1)
        self.assertEqual(len(got), len(self.data))
        r = run_cli("poke", spec, str(len(self.data)), "00")
        self.assertNotEqual(r.returncode, 0)
        self.assertTrue(r.stderr.startswith("error:"), r.stderr)
        self.assertEqual(len(self.read_file()), len(self.data))  # never grown

    def test_watch_sees_file_writes_and_truncation(self):
        watch = Watch("file:" + self.path, "--interval-ms", "5")
        self.addCleanup(watch.kill)
        time.sleep(0.3)
        with open(self.path, "r+b") as f:
            f.seek(100)
            f.write(b"\xee")
        self.assertTrue(watch.wait_for(lambda _: watch.changes()), watch.snapshot())
        self.assertEqual(watch.changes()[0], (100, 1, "64", "ee"))
        os.truncate(self.path, 10)
        self.assertTrue(watch.wait_for(lambda ls: any("resized 772 -> 10 bytes" in l for l in ls)),
                        watch.snapshot())
        watch.proc.terminate()
        rc, err = watch.finish()
        self.assertEqual(rc, 0, err)


if __name__ == "__main__":
    main()
