"""Bad input table: every row must give a non-zero exit (not a signal), exactly one
stderr line starting "error:" that names the specific problem (plus, for command-line
syntax errors, one usage hint), and leave the object byte-for-byte unchanged."""
import os
import pwd
import random
import re
import unittest

from mp_common import PyShm, SysvSegment, main, remove_shm_quietly, run_cli, shm_path, unique_name

SIZE = 256


class BadInputTableTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.name = unique_name("bad")
        cls.py = PyShm(cls.name, SIZE, create=True)
        cls.original = bytes(random.Random(5).randrange(256) for _ in range(SIZE))
        cls.py.buf[:] = cls.original

    @classmethod
    def tearDownClass(cls):
        cls.py.close()
        remove_shm_quietly(cls.name)

    def check_row(self, args, pattern, usage=False, stdin=None, user=None, created=None):
        with self.subTest(args=args):
            r = run_cli(*args, input=stdin, user=user)
            self.assertGreater(r.returncode, 0, f"{args}: rc={r.returncode} (negative = signal)")
            lines = r.stderr.splitlines()
            self.assertTrue(lines and lines[0].startswith("error: "), f"{args}: {r.stderr!r}")
            self.assertEqual(len(lines), 2 if usage else 1, f"{args}: {r.stderr!r}")
            if usage:
                self.assertRegex(lines[1], r"--help")
            self.assertRegex(lines[0], re.compile(pattern, re.I), f"{args}")
            self.assertEqual(r.stdout, b"", f"{args}: stdout {r.stdout[:200]!r}")
            self.assertEqual(self.py.bytes(), self.original, f"{args} changed the object")
            if created:
                self.assertFalse(os.path.exists(shm_path(created)), f"{args} created {created}")

    def test_table(self):
        n = self.name
        missing = unique_name("missing")
        long_name = "x" * 256
        rows = [
            # unknown object
            (["dump", missing], r"no POSIX shared memory object named '/" + missing),
            (["info", missing], r"no POSIX shared memory object"),
            (["poke", missing, "0", "00"], r"no POSIX shared memory object"),
            (["watch", missing, "--count", "1"], r"no POSIX shared memory object"),
            (["remove", missing], r"no POSIX shared memory object"),
            (["dump", "sysv:2147483000"], r"no System V segment"),
            (["dump", "file:/nonexistent/memview/file"], r"no file"),
            # a name with an inner '/'
            (["dump", "shm:/a/b"], r"only one leading '/'"),
            (["dump", "dir/" + n], r"only one leading '/'"),
            (["create", "a/b", "16"], r"only one leading '/'"),
            (["poke", "/a/b", "0", "00"], r"only one leading '/'"),
            # a name longer than NAME_MAX
            (["dump", long_name], r"256 characters long; the limit is 255"),
            (["create", long_name, "16"], r"the limit is 255"),
            (["info", "shm:/" + long_name], r"the limit is 255"),
            # offset or length outside the object
            (["dump", n, "--offset", "257"], r"offset 257 .*outside the object"),
            (["dump", n, "--offset", "0x1000"], r"outside the object"),
            (["dump", n, "--length", "257"], r"length 257 .*past the end"),
            (["dump", n, "--offset", "200", "--length", "57"], r"past the end"),
            (["dump", n, "--offset", "18446744073709551615", "--length", "2"], r"outside"),
            (["watch", n, "--offset", "300", "--count", "1"], r"outside the object"),
            (["watch", n, "--offset", "250", "--length", "7", "--count", "1"], r"past the end"),
            (["poke", n, "256", "00"], r"outside the object"),
            (["poke", n, "255", "0000"], r"outside the object"),  # would straddle the end
            (["poke", n, "250", "--u64", "1"], r"outside the object"),
            (["poke", n, "18446744073709551615", "0102"], r"outside the object"),
            (["poke", n, "--batch", "-"], r"^error: batch line 3: .*outside the object",
             "0 01\n16 0203\n256 04\n"),
            (["poke", n, "--batch", "-"], r"^error: batch line 4: .*outside the object",
             "# comment\n\n0 01\n255 0203\n"),
            # malformed numbers
            (["dump", n, "--offset", "12abc"], r"offset"),
            (["dump", n, "--offset", "-1"], r"offset"),
            (["dump", n, "--length", "0x"], r"length"),
            (["poke", n, "0x1g", "00"], r"offset"),
            (["dump", n, "--offset", "99999999999999999999999"], r"offset"),
            (["watch", n, "--interval-ms", "fast"], r"interval"),
            # bad hex
            (["poke", n, "0", "abc"], r"bad hex bytes 'abc'"),
            (["poke", n, "0", "zz"], r"bad hex bytes 'zz'"),
            (["poke", n, "0", "de ad b"], r"bad hex bytes"),
            (["poke", n, "0", ""], r"bad hex bytes"),
            (["poke", n, "--batch", "-"], r"batch line 2: bad hex", "0 01\n1 0g\n"),
            (["poke", n, "--batch", "-"], r"batch line 1: expected 'OFFSET HEX'", "17\n"),
            # a value that does not fit its type
            (["poke", n, "0", "--u8", "256"], r"bad u8 value '256'"),
            (["poke", n, "0", "--i8", "128"], r"bad i8 value '128'"),
            (["poke", n, "0", "--i8=-129"], r"bad i8 value '-129'"),
            (["poke", n, "0", "--u16", "65536"], r"bad u16 value"),
            (["poke", n, "0", "--i16", "40000"], r"bad i16 value"),
            (["poke", n, "0", "--u32", "4294967296"], r"bad u32 value"),
            (["poke", n, "0", "--u32=-1"], r"bad u32 value"),
            (["poke", n, "0", "--i32", "2147483648"], r"bad i32 value"),
            (["poke", n, "0", "--u64", "18446744073709551616"], r"bad u64 value"),
            (["poke", n, "0", "--i64", "9223372036854775808"], r"bad i64 value"),
            (["poke", n, "0", "--f32", "1e40"], r"bad f32 value"),
            (["poke", n, "0", "--f64", "1e999"], r"bad f64 value"),
            (["poke", n, "0", "--f64", "pi"], r"bad f64 value"),
            (["poke", n, "0", "--u32", "12x"], r"bad u32 value"),
            # conflicting or missing poke data
            (["poke", n, "0", "00", "--u8", "1"], r"either HEX bytes or --u8"),
            (["poke", n, "0", "--u8", "1", "--u16", "2"], r"not both --u8 and --u16"),
            (["poke", n, "0"], r"nothing to write"),
            (["poke", n, "0", "00", "--be"], r"--be applies to typed values"),
            (["poke", n, "--batch", "/nonexistent/batch"], r"batch file /nonexistent/batch: no such"),
            (["poke", n, "--batch", "/dev/zero"], r"batch file /dev/zero is a character device"),
            (["poke", n, "--batch", "/tmp"], r"batch file /tmp is a directory"),
            # create/remove
            (["create", unique_name("zero"), "0"], r"size must be"),
            (["create", unique_name("mode"), "16", "--mode", "999"], r"mode"),
            (["create", n, "16"], r"already exists"),
        ]
        for row in rows:
            args, pattern = row[0], row[1]
            stdin = row[2].encode() if len(row) > 2 else None
            created = args[1] if args[0] == "create" and args[1] != n else None
            self.check_row(args, pattern, stdin=stdin, created=created)

    def test_command_line_syntax_errors(self):
        n = self.name
        rows = [
            ([], r"subcommand"),
            (["frobnicate"], r"frobnicate"),
            (["dump"], r"SPEC"),
            (["dump", n, "--format", "octal"], r"octal"),
            (["dump", n, "--bogus"], r"--bogus"),
            (["poke", n, "0", "--u8"], r"u8"),
            (["create", "x"], r"SIZE"),
            (["list", "extra"], r"extra"),
        ]
        for args, pattern in rows:
            self.check_row(args, pattern, usage=True)

    def test_no_permission(self):
        """Writing where the OS refuses it. As root, run the CLI as 'nobody' (root bypasses
        permission bits); otherwise use mode bits on our own object."""
        name = unique_name("perm")
        py = PyShm(name, 64, create=True)
        try:
            py.buf[:] = bytes(range(64))
            before = py.bytes()
            user = None
            if os.geteuid() == 0:
                try:
                    pwd.getpwnam("nobody")
                except KeyError:
                    self.skipTest("running as root and there is no 'nobody' user")
                user = "nobody"
                os.chmod(shm_path(name), 0o644)  # nobody may read, not write
            else:
                os.chmod(shm_path(name), 0o444)
            r = run_cli("poke", name, "0", "ff", user=user)
            self.assertGreater(r.returncode, 0)
            self.assertRegex(r.stderr, r"(?i)^error: .*permission", r.stderr)
            self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
            r = run_cli("poke", name, "--batch", "-", input=b"0 ff\n", user=user)
            self.assertRegex(r.stderr, r"(?i)^error: .*permission", r.stderr)
            # Reading still works: the core fell back to read-only and says why.
            r = run_cli("dump", name, "--format", "raw", user=user)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, before)
            r = run_cli("info", name, user=user)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(b"read-only (no write permission", r.stdout)

            os.chmod(shm_path(name), 0o600 if user else 0o000)  # not even readable
            for args in (["dump", name], ["info", name], ["watch", name, "--count", "1"],
                         ["poke", name, "0", "ff"]):
                r = run_cli(*args, user=user)
                self.assertGreater(r.returncode, 0, args)
                self.assertRegex(r.stderr, r"(?i)^error: .*permission denied", args)
                self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
            if user:
                r = run_cli("remove", name, user=user)
                self.assertGreater(r.returncode, 0)
                self.assertRegex(r.stderr, r"(?i)^error: .*(permission|not permitted)", r.stderr)
                self.assertTrue(os.path.exists(shm_path(name)))
            os.chmod(shm_path(name), 0o600)
            self.assertEqual(py.bytes(), before)
        finally:
            py.close()
            remove_shm_quietly(name)

    def test_no_permission_sysv(self):
        user = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("nobody")
            except KeyError:
                self.skipTest("running as root and there is no 'nobody' user")
            user = "nobody"
        # Readable but not writable for the CLI's user.
        seg = SysvSegment(128, mode=0o644 if user else 0o444)
        try:
            seg.write(0, bytes(range(128)))
            for spec in (f"sysv:{seg.id}", f"sysvkey:{seg.key:#x}"):
                r = run_cli("poke", spec, "0", "ff", user=user)
                self.assertGreater(r.returncode, 0, spec)
                self.assertRegex(r.stderr, r"(?i)^error: .*permission", r.stderr)
                self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
                r = run_cli("dump", spec, "--format", "raw", user=user)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout, bytes(range(128)))
            self.assertEqual(seg.read(), bytes(range(128)))
        finally:
            seg.remove()


if __name__ == "__main__":
    main()
