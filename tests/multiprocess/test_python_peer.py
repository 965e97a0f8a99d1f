"""memview-cli against python3's multiprocessing.shared_memory, an independent peer:
python creates and writes objects the CLI dumps; the CLI pokes and creates objects
python reads back."""
import json
import math
import os
import random
import struct
import unittest

from mp_common import (HEXDUMP, PyShm, main, remove_shm_quietly, run_cli, shm_path,
                       unique_name)


class PythonPeerTest(unittest.TestCase):
    def setUp(self):
        self.name = unique_name("py")
        self.size = 1000  # not a multiple of 16: the last hexdump row is partial
        self.py = PyShm(self.name, self.size, create=True)
        rng = random.Random(1234)
        data = bytearray(rng.randrange(256) for _ in range(self.size))
        data[100:400] = bytes(300)  # repeated rows -> "*" lines
        data[500:520] = b"hello, shared world!"
        self.py.buf[:] = data
        self.data = bytes(data)

    def tearDown(self):
        self.py.close()
        remove_shm_quietly(self.name)

    def test_dump_raw_shows_python_bytes(self):
        for spec in (self.name, "/" + self.name, "shm:" + self.name, "shm:/" + self.name):
            r = run_cli("dump", spec, "--format", "raw")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, self.data, spec)
        r = run_cli("dump", self.name, "--format", "raw", "--offset", "0x1f4", "--length", "20")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"hello, shared world!")

    @unittest.skipUnless(HEXDUMP, "hexdump (bsdextrautils) is not installed")
    def test_dump_hex_is_hexdump_c(self):
        from mp_common import hexdump_c
        r = run_cli("dump", self.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.decode(), hexdump_c(shm_path(self.name)).decode())
        self.assertIn(b"\n*\n", r.stdout)
        for offset, length in ((0, 16), (5, 11), (5, 300), (100, 300), (99, 302), (990, 10),
                               (1000, None), (17, None), (0, 0), (999, 1)):
            args = ["dump", self.name, "--offset", offset]
            if length is not None:
                args += ["--length", length]
            r = run_cli(*args)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.decode(),
                             hexdump_c(shm_path(self.name), offset, length).decode(),
                             f"offset {offset} length {length}")

    def test_poke_hex_seen_by_python(self):
        r = run_cli("poke", self.name, "0x10", "deadbeef")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(bytes(self.py.buf[0x10:0x14]), bytes.fromhex("deadbeef"))
        r = run_cli("poke", self.name, "32", "de ad be ef 01")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(bytes(self.py.buf[32:37]), bytes.fromhex("deadbeef01"))
        r = run_cli("poke", self.name, "40", "ca", "fe")  # separate arguments
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(bytes(self.py.buf[40:42]), b"\xca\xfe")
        r = run_cli("poke", self.name, "998", "aabb")  # the last two bytes
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(bytes(self.py.buf[998:1000]), b"\xaa\xbb")
        # Nothing else moved.
        expect = bytearray(self.data)
        expect[0x10:0x14] = bytes.fromhex("deadbeef")
        expect[32:37] = bytes.fromhex("deadbeef01")
        expect[40:42] = b"\xca\xfe"
        expect[998:1000] = b"\xaa\xbb"
        self.assertEqual(self.py.bytes(), bytes(expect))

    def test_typed_pokes_seen_by_python(self):
        cases = [
            ("u8", "200", "B", 200), ("u8", "0xff", "B", 255), ("i8", "-128", "b", -128),
            ("u16", "65535", "H", 65535), ("i16", "-2", "h", -2),
            ("u32", "0xdeadbeef", "I", 0xDEADBEEF), ("i32", "-5", "i", -5),
            ("u64", "18446744073709551615", "Q", 2**64 - 1),
            ("i64", "-9223372036854775808", "q", -2**63),
            ("f32", "1.5", "f", 1.5), ("f64", "-2.25e10", "d", -2.25e10),
            ("f64", "inf", "d", math.inf),
        ]
        offset = 600
        for type_name, text, fmt, value in cases:
            for big in (False, True):
                args = ["poke", self.name, offset, f"--{type_name}", text]
                if big:
                    args.append("--be")
                r = run_cli(*args)
                self.assertEqual(r.returncode, 0, f"{args}: {r.stderr}")
                size = struct.calcsize(fmt)
                got = struct.unpack((">" if big else "<") + fmt,
                                    bytes(self.py.buf[offset:offset + size]))[0]
                self.assertEqual(got, value, args)
                offset += size
        # Negative value with "=" syntax as well.
        r = run_cli("poke", self.name, "700", "--i16=-300")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(struct.unpack("<h", bytes(self.py.buf[700:702]))[0], -300)

    def test_batch_pokes_seen_by_python(self):
        lines = ["# offset hex", "0 01", "", "0x20 02 03", "  999 ff"]
        r = run_cli("poke", self.name, "--batch", "-", input="\n".join(lines).encode())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.py.buf[0], 1)
        self.assertEqual(bytes(self.py.buf[0x20:0x22]), b"\x02\x03")
        self.assertEqual(self.py.buf[999], 0xFF)

    def test_info_and_list_see_python_object(self):
        r = run_cli("info", self.name, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        info = json.loads(r.stdout)
        self.assertEqual(info["spec"], "shm:/" + self.name)
        self.assertEqual(info["size"], self.size)
        self.assertTrue(info["writable"])
        self.assertEqual(info["mode"], "0600")  # python creates with 0600
        self.assertEqual(info["owner_uid"], os.getuid())
        r = run_cli("info", self.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"size:      1000", r.stdout)
        self.assertIn(b"read-write", r.stdout)

        r = run_cli("list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        found = [o for o in json.loads(r.stdout) if o["spec"] == "shm:/" + self.name]
        self.assertEqual(len(found), 1)
        self.assertEqual(found[0]["size"], self.size)
        self.assertEqual(found[0]["mode"], "0600")
        self.assertEqual(found[0]["owner_uid"], os.getuid())
        r = run_cli("list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(("shm:/" + self.name).encode(), r.stdout)


class CliCreatesPythonReadsTest(unittest.TestCase):
    def test_create_poke_remove(self):
        name = unique_name("create")
        try:
            r = run_cli("create", name, "0x2000", "--mode", "640")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(os.stat(shm_path(name)).st_mode & 0o7777, 0o640)
            py = PyShm(name)
            try:
                self.assertEqual(py.shm.size, 0x2000)
                self.assertEqual(py.bytes(), bytes(0x2000))
                r = run_cli("poke", name, "0x1fff", "7f")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(py.buf[0x1FFF], 0x7F)
                py.buf[0:4] = b"PYTH"
                r = run_cli("dump", name, "--length", "4", "--format", "raw")
                self.assertEqual(r.stdout, b"PYTH")
            finally:
                py.close(unlink=False)
            r = run_cli("create", name, "16")
            self.assertNotEqual(r.returncode, 0)
            self.assertTrue(r.stderr.startswith("error:"), r.stderr)
            self.assertIn("exists", r.stderr)
            r = run_cli("remove", name)
            self.assertEqual(r.returncode, 0, r.stderr)
            with self.assertRaises(FileNotFoundError):
                PyShm(name)
        finally:
            remove_shm_quietly(name)

    def test_create_default_mode_is_0600(self):
        name = unique_name("mode")
        try:
            old = os.umask(0o077)
            try:
                r = run_cli("create", "shm:/" + name, "100")
            finally:
                os.umask(old)
            self.assertEqual(r.returncode, 0, r.stderr)
            st = os.stat(shm_path(name))
            self.assertEqual(st.st_mode & 0o7777, 0o600)
            self.assertEqual(st.st_size, 100)
        finally:
            remove_shm_quietly(name)


if __name__ == "__main__":
    main()
