"""Names are bytes: objects whose names hold invalid UTF-8, a newline, quotes or 255
characters, and files at such paths. Every --json output must parse and give back the exact
bytes (a JSON string when they are UTF-8, else {"hex": ...}); feeding a decoded spec back to
memview-cli must reach the same object; tables show such names on one line, escaped."""
import json
import mmap
import os
import re
import tempfile
import unittest

from mp_common import main, run_cli

PID = os.getpid()


def decode(value):
    """The bytes of a JSON name (docs/json-bytes.md)."""
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, dict) and isinstance(value.get("hex"), str):
        return bytes.fromhex(value["hex"])
    raise AssertionError(f"not a JSON name: {value!r}")


def parse_json(stdout):
    # json.loads refuses invalid UTF-8: the output must be valid JSON text as it is.
    return json.loads(stdout.decode("utf-8"))


class NamesAsBytesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        stem = b"memview-mp-%d-" % PID
        cls.names = [
            stem + b"bad\xff\xfename",
            stem + b"new\nline",
            stem + b"caf\xc3\xa9",
            stem + b'q"uo\\te\t',
            stem + b"x" * (255 - len(stem)),
        ]
        cls.fds = []
        for i, name in enumerate(cls.names):
            fd = os.open(b"/dev/shm/" + name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
            os.ftruncate(fd, 64 + i)
            os.pwrite(fd, bytes([i + 1]) * 4, 0)
            cls.fds.append(fd)
        cls.dir = tempfile.TemporaryDirectory()
        cls.bad_dir = os.path.join(os.fsencode(cls.dir.name), b"dir\xe9\nx")
        os.mkdir(cls.bad_dir)
        cls.file = os.path.join(cls.bad_dir, b"caf\xe9.bin")
        with open(cls.file, "wb") as f:
            f.write(b"\x07" * 100)

    @classmethod
    def tearDownClass(cls):
        for name, fd in zip(cls.names, cls.fds):
            os.close(fd)
            try:
                os.unlink(b"/dev/shm/" + name)
            except FileNotFoundError:
                pass
        cls.dir.cleanup()

    def specs(self):
        return [b"shm:/" + n for n in self.names] + [b"file:" + self.file]

    def test_list_json_round_trips_every_name(self):
        r = run_cli("list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        entries = parse_json(r.stdout)
        by_spec = {decode(e["spec"]): e for e in entries}
        for name in self.names:
            spec = b"shm:/" + name
            self.assertIn(spec, by_spec, name)
            self.assertEqual(decode(by_spec[spec]["name"]), b"/" + name)
            # The decoded spec opens the same object.
            info = run_cli("info", spec, "--json")
            self.assertEqual(info.returncode, 0, info.stderr)
            self.assertEqual(parse_json(info.stdout)["size"], by_spec[spec]["size"])

    def test_info_json_round_trips(self):
        for spec in self.specs():
            with self.subTest(spec=spec):
                r = run_cli("info", spec, "--json")
                self.assertEqual(r.returncode, 0, r.stderr)
                j = parse_json(r.stdout)
                self.assertEqual(decode(j["spec"]), spec)
                again = run_cli("info", decode(j["spec"]), "--json")
                self.assertEqual(parse_json(again.stdout), j)

    def test_read_json_round_trips_the_spec(self):
        header = os.path.join(self.bad_dir, b"h\xff.h")
        with open(header, "w") as f:
            f.write("struct s { unsigned char a[4]; };\n")
        for spec in self.specs():
            with self.subTest(spec=spec):
                r = run_cli("read", spec, "--header", header, "--type", "struct s", "--json")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(decode(parse_json(r.stdout)["spec"]), spec)
        r = run_cli("layout", "--header", header, "--list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        files = {decode(t["file"]) for t in parse_json(r.stdout)}
        self.assertIn(header, files)

    def test_regions_json_round_trips_paths(self):
        maps = [mmap.mmap(fd, 64) for fd in self.fds]
        try:
            r = run_cli("regions", "pid:%d" % PID, "--json")
            self.assertEqual(r.returncode, 0, r.stderr)
            regions = parse_json(r.stdout)
            paths = {decode(e["path"]) for e in regions}
            objects = {decode(e["object_spec"]) for e in regions if e["object_spec"]}
            for name in self.names:
                # The kernel writes a newline in a path as "\012" in /proc/PID/maps.
                path = b"/dev/shm/" + name.replace(b"\n", b"\\012")
                self.assertIn(path, paths, name)
            self.assertIn(b"shm:/" + self.names[0], objects)
            table = run_cli("regions", "pid:%d" % PID)
            self.assertEqual(table.returncode, 0, table.stderr)
        finally:
            for m in maps:
                m.close()

    def test_who_and_who_writes_json_round_trip(self):
        maps = [mmap.mmap(fd, 64) for fd in self.fds]
        try:
            for name in self.names:
                spec = b"shm:/" + name
                with self.subTest(spec=spec):
                    r = run_cli("who", spec, "--json")
                    self.assertEqual(r.returncode, 0, r.stderr)
                    j = parse_json(r.stdout)
                    self.assertEqual(decode(j["spec"]), spec)
                    self.assertEqual(decode(j["object"]["path"]), b"/dev/shm/" + name)
                    self.assertIn(PID, [p["pid"] for p in j["processes"]])
                    table = run_cli("who", spec)
                    self.assertEqual(table.returncode, 0, table.stderr)
                    first = table.stdout.decode("utf-8").splitlines()[0]
                    self.assertIn("process", first)  # the name did not split the line
            # who-writes names the object the same way (a short watch, nobody writes).
            spec = b"shm:/" + self.names[0]
            r = run_cli("who-writes", spec, "0", "--duration", "0.2", "--json")
            if "do not fire on this machine" in r.stderr:
                self.skipTest(r.stderr.strip())
            self.assertEqual(r.returncode, 0, r.stderr)
            j = parse_json(r.stdout)
            self.assertEqual(decode(j["spec"]), spec)
            self.assertIn(PID, [p["pid"] for p in j["processes"]])
            self.assertEqual(j["hits"], 0)
        finally:
            for m in maps:
                m.close()

    def test_tables_keep_one_line_per_object(self):
        r = run_cli("list")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.split(b"\n")
        for name in self.names:
            shown = name.replace(b"\n", b"\\n").replace(b"\t", b"\\t")
            shown = shown.replace(b"\xff", b"\\xff").replace(b"\xfe", b"\\xfe")
            hits = [l for l in lines if (b"shm:/" + shown + b" ") in l]
            self.assertEqual(len(hits), 1, (name, shown))
        self.assertFalse(any(l.startswith(b"line ") for l in lines), "a name split a row")
        # The whole table is valid UTF-8 (no raw invalid bytes reach the terminal).
        r.stdout.decode("utf-8")
        for spec in self.specs():
            info = run_cli("info", spec)
            self.assertEqual(info.returncode, 0, info.stderr)
            self.assertEqual(len(info.stdout.decode("utf-8").splitlines()),
                             len(info.stdout.splitlines()))
            self.assertTrue(all(re.match(rb"^[a-z]+: ", l) for l in info.stdout.splitlines()),
                            info.stdout)


if __name__ == "__main__":
    main()
