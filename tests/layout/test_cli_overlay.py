#!/usr/bin/env python3
"""memview-cli layout/read/write against an independent peer: python's
multiprocessing.shared_memory owns the object and python's struct module (native alignment,
its own idea of the C layout) packs and unpacks the values. Plus the bad-input table: one
'error:' line, a non-zero exit, and not one byte changed."""
import json
import os
import struct
import subprocess
import tempfile
import unittest
from multiprocessing import shared_memory

CLI = os.environ["MEMVIEW_CLI"]

HEADER = """\
#include <stdint.h>
enum mode { IDLE, RUN = 3, FAIL = -1 };
struct rec {
  uint32_t seq;
  int16_t temp;
  uint8_t flags_a : 3;
  uint8_t flags_b : 5;
  enum mode mode;
  double value;
  char name[16];
  uint16_t samples[4];
};
typedef struct rec rec_t;
"""
# The same struct for python: seq, temp, flags byte, (pad), mode, value, name, samples.
FMT = "@IhBid16s4H"
SIZE = struct.calcsize(FMT)


def pack(seq, temp, a, b, mode, value, name, samples):
    return struct.pack(FMT, seq, temp, a | (b << 3), mode, value, name, *samples)


def unpack(buf, offset=0):
    seq, temp, flags, mode, value, name, *samples = struct.unpack_from(FMT, buf, offset)
    return dict(seq=seq, temp=temp, flags_a=flags & 7, flags_b=flags >> 3, mode=mode, value=value,
                name=name.split(b"\0")[0].decode(), samples=samples)


def cli(*args):
    return subprocess.run([CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class OverlayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.header = os.path.join(cls.dir.name, "rec.h")
        with open(cls.header, "w") as f:
            f.write(HEADER)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def setUp(self):
        self.name = "memview-layout-cli-%d-%s" % (os.getpid(), self._testMethodName[-20:])
        self.shm = shared_memory.SharedMemory(name=self.name, create=True, size=4096)
        self.shm.buf[:] = b"\0" * 4096
        self.shm.buf[0:SIZE] = pack(7, -40, 5, 17, 3, 2.5, b"alpha", [1, 2, 3, 65535])
        self.shm.buf[SIZE:2 * SIZE] = pack(8, 12, 1, 2, -1, -0.25, b"beta", [9, 8, 7, 6])

    def tearDown(self):
        self.shm.close()
        self.shm.unlink()

    def overlay(self):
        return ["--header", self.header, "--type", "struct rec"]

    def test_layout_json_matches_python_struct_offsets(self):
        p = cli("layout", *self.overlay(), "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        j = json.loads(p.stdout)
        self.assertEqual(list(j.keys()), ["type", "size", "align", "fields"])
        self.assertEqual(j["size"], SIZE)
        fields = {f["path"]: f for f in j["fields"]}
        self.assertEqual(list(j["fields"][0].keys()),
                         ["path", "offset", "bit_offset", "bit_width", "size", "type", "count"])
        self.assertEqual(fields["value"]["offset"], struct.calcsize("@IhBi") + 4)
        self.assertEqual(fields["name"]["count"], 16)
        self.assertEqual(fields["flags_b"]["bit_offset"], 6 * 8 + 3)
        self.assertEqual(fields["flags_b"]["bit_width"], 5)
        self.assertIsNone(fields["seq"]["bit_width"])
        self.assertIsNone(fields["seq"]["count"])

    def test_read_json_sees_what_python_wrote(self):
        p = cli("read", self.name, *self.overlay(), "--count", "2", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        recs = json.loads(p.stdout)["records"]
        self.assertEqual(len(recs), 2)
        v0 = {f["path"]: f["value"] for f in recs[0]["fields"]}
        v1 = {f["path"]: f["value"] for f in recs[1]["fields"]}
        self.assertEqual(recs[1]["address"], SIZE)
        self.assertEqual(v0, {"seq": 7, "temp": -40, "flags_a": 5, "flags_b": 17, "mode": "RUN",
                              "value": 2.5, "name": "alpha", "samples": [1, 2, 3, 65535]})
        self.assertEqual(v1["mode"], "FAIL")
        self.assertEqual(v1["name"], "beta")
        self.assertEqual(v1["value"], -0.25)

    def test_read_text_and_field_selection(self):
        p = cli("read", self.name, "--header", self.header, "--type", "rec_t", "--at", hex(SIZE),
                "--field", "samples[1]")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("samples[1]", p.stdout)
        self.assertIn("= 8", p.stdout)
        p = cli("read", self.name, *self.overlay())
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn('= "alpha"', p.stdout)
        self.assertIn("= RUN", p.stdout)

    def test_write_each_kind_python_reads_it(self):
        for field, value in [("seq", "0xdeadbeef"), ("temp", "-32768"), ("flags_b", "31"),
                             ("mode", "FAIL"), ("value", "1e-3"), ("name", "hello world"),
                             ("samples[2]", "4242")]:
            p = cli("write", self.name, *self.overlay(), "--field", field, value)
            self.assertEqual(p.returncode, 0, "%s=%s: %s" % (field, value, p.stderr))
        got = unpack(self.shm.buf)
        self.assertEqual(got, dict(seq=0xdeadbeef, temp=-32768, flags_a=5, flags_b=31, mode=-1,
                                   value=1e-3, name="hello world", samples=[1, 2, 4242, 65535]))
        # the second record was not touched
        self.assertEqual(unpack(self.shm.buf, SIZE)["seq"], 8)

    def test_write_at_offset_and_from_exported_layout(self):
        exported = os.path.join(self.dir.name, "rec.layout.json")
        p = cli("layout", *self.overlay(), "--json", "--full")
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(exported, "w") as f:
            f.write(p.stdout)
        p = cli("write", self.name, "--layout-json", exported, "--at", str(SIZE), "--field",
                "flags_a", "6")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "flags_a = 6 (at 0x%x)" % (SIZE + 6))
        got = unpack(self.shm.buf, SIZE)
        self.assertEqual((got["flags_a"], got["flags_b"]), (6, 2))
        a = cli("read", self.name, "--layout-json", exported, "--count", "2", "--json")
        b = cli("read", self.name, *self.overlay(), "--count", "2", "--json")
        self.assertEqual(a.returncode, 0, a.stderr)
        self.assertEqual(json.loads(a.stdout), json.loads(b.stdout))

    def test_bad_input_is_one_error_line_and_writes_nothing(self):
        bad_header = os.path.join(self.dir.name, "bad.h")
        with open(bad_header, "w") as f:
            f.write("struct x { int a; undefined_t b; };\n")
        missing = os.path.join(self.dir.name, "missing.h")
        o = self.overlay()
        cases = [
            (["write", self.name, *o, "--field", "nope", "1"], "no field 'nope'"),
            (["write", self.name, *o, "--field", "temp", "32768"], "does not fit"),
            (["write", self.name, *o, "--field", "flags_a", "8"], "does not fit in 3"),
            (["write", self.name, *o, "--field", "mode", "SLEEP"], "not a valid value"),
            (["write", self.name, *o, "--field", "name", "x" * 17], "does not fit in 16"),
            (["write", self.name, *o, "--field", "samples", "1"], "write one element"),
            (["write", self.name, *o, "--field", "samples[4]", "1"], "out of bounds"),
            (["write", self.name, *o, "--field", "value", "1e999"], "out of range"),
            (["write", self.name, *o, "--at", "4090", "--field", "value", "1"], "outside"),
            (["write", self.name, *o, "--at", "zz", "--field", "seq", "1"], "--at"),
            (["write", self.name, "--header", missing, "--type", "struct rec", "--field", "seq",
              "1"], "header %s: no such file" % missing),
            # The field fits but the struct would run past the end: write refuses like read.
            (["write", self.name, *o, "--at", str(4096 - SIZE + 8), "--field", "seq", "1"],
             "outside"),
            (["read", self.name, *o, "--at", str(4096 - SIZE + 8)], "outside"),
            (["layout", "--header", "/dev/zero", "--type", "struct rec"],
             "header /dev/zero is a character device, not a regular file"),
            (["layout", "--header", self.dir.name, "--type", "struct rec"], "is a directory"),
            (["read", self.name, "--layout-json", "/dev/zero"],
             "layout file /dev/zero is a character device"),
            (["write", self.name, "--header", self.header, "--type", "struct nope", "--field",
              "seq", "1"], "unknown type 'struct nope'"),
            (["write", self.name, "--header", bad_header, "--type", "struct x", "--field", "a",
              "1"], "bad.h:1:19: error: unknown type name 'undefined_t'"),
            (["write", "memview-no-such-object-xyz", *o, "--field", "seq", "1"], "cannot open"),
            (["read", self.name, *o, "--at", "4080"], "outside"),
            (["read", self.name, *o, "--count", "0"], "--count"),
            (["read", self.name, *o, "--field", "seq.x"], "not a struct"),
            (["layout", "--header", self.header, "--type", "struct rec", "--std", "c99x"],
             "unknown language standard"),
            (["layout", "--header", self.header], "--type"),
            (["read", self.name, "--layout-json", bad_header], "layout JSON"),
        ]
        before = bytes(self.shm.buf)
        for args, expect in cases:
            p = cli(*args)
            self.assertNotEqual(p.returncode, 0, args)
            lines = p.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, "%s: %r" % (args, p.stderr))
            self.assertTrue(lines[0].startswith("error: "), lines[0])
            self.assertIn(expect, lines[0], args)
            self.assertEqual(bytes(self.shm.buf), before, "bytes changed by %s" % args)

    def test_a_huge_struct_is_refused_not_allocated(self):
        """A 1 TiB struct over a sparse 1 TiB file: read and write say what is too big
        (they used to end in std::bad_alloc as an "internal error")."""
        header = os.path.join(self.dir.name, "huge.h")
        with open(header, "w") as f:
            f.write("struct huge { unsigned n; char text[1099511627776]; };\n")
        path = os.path.join(self.dir.name, "huge.bin")
        with open(path, "wb") as f:
            f.truncate(1099511627780)
        try:
            o = ["--header", header, "--type", "struct huge"]
            p = cli("read", "file:" + path, *o)
            self.assertEqual(p.returncode, 1, p.stdout[:200])
            self.assertRegex(p.stderr, r"^error: struct huge is 1099511627780 bytes: read takes "
                                       r"structs of up to \d+ bytes")
            p = cli("write", "file:" + path, *o, "--field", "text", "hello")
            self.assertEqual(p.returncode, 1)
            self.assertRegex(p.stderr, r"^error: .*text.* is 1099511627776 bytes, more than the "
                                       r"\d+ bytes written at once")
            p = cli("write", "file:" + path, *o, "--field", "n", "7")
            self.assertEqual(p.returncode, 0, p.stderr)
        finally:
            os.unlink(path)

    def test_a_large_count_is_bounded(self):
        """A large --count: text is streamed, JSON stops at its value budget and says so."""
        header = os.path.join(self.dir.name, "pair.h")
        with open(header, "w") as f:
            f.write("struct pair { unsigned short a, b, c, d; };\n")
        path = os.path.join(self.dir.name, "pairs.bin")
        with open(path, "wb") as f:
            f.truncate(4 << 20)
        try:
            o = ["--header", header, "--type", "struct pair", "--count", "300000"]
            p = subprocess.run([CLI, "read", "file:" + path, *o, "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.assertEqual(p.returncode, 0, p.stderr)
            doc = json.loads(p.stdout)
            self.assertTrue(doc.get("truncated"))
            self.assertLess(len(doc["records"]), 300000)
            p = subprocess.run([CLI, "read", "file:" + path, *o], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout.count(b"struct pair at"), 300000)
            import resource
            peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            with open(CLI, "rb") as f:
                asan = b"__asan_init" in f.read()  # its allocator and quarantine add a lot
            self.assertLess(peak_mib, 2048 if asan else 1024,
                            "read --count peaked at %d MiB" % peak_mib)
        finally:
            os.unlink(path)

    def test_unreadable_header_says_permission_denied_and_the_path(self):
        secret = os.path.join(self.dir.name, "secret.h")
        with open(secret, "w") as f:
            f.write(HEADER)
        os.chmod(secret, 0o000)
        kwargs = {}
        if os.geteuid() == 0:  # root reads any file: ask as 'nobody', who may not
            import pwd
            kwargs = dict(user="nobody", group=pwd.getpwnam("nobody").pw_gid, extra_groups=[])
            os.chmod(self.dir.name, 0o755)
        try:
            p = subprocess.run([CLI, "layout", "--header", secret, "--type", "struct rec"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
        finally:
            os.chmod(secret, 0o644)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(p.stderr.strip(), "error: header %s: permission denied" % secret)

    @unittest.skipIf(os.geteuid() == 0, "root may write to a 0400 object")
    def test_read_only_object(self):
        os.chmod("/dev/shm/" + self.name, 0o400)
        before = bytes(self.shm.buf)
        p = cli("write", self.name, *self.overlay(), "--field", "seq", "1")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("read-only", p.stderr)
        self.assertEqual(bytes(self.shm.buf), before)
        p = cli("read", self.name, *self.overlay(), "--field", "seq")
        self.assertEqual(p.returncode, 0, p.stderr)  # reading still works


if __name__ == "__main__":
    unittest.main()
