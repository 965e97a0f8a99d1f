#!/usr/bin/env python3
"""Every file memview reads, fed what a file should not be: /dev/zero, a FIFO, a directory,
a 2 GiB sparse file, a missing path, and paths whose names are not UTF-8 (missing, and
valid files that must work). The CLI (batch files and stdin, headers, layout JSON, file:
sources) and the real viewer under Xvfb (--workspace, --layout, --font, settings.json and
imgui.ini in the config directory) must answer with a clear "error:" line naming the path
and what is wrong (or work, for a valid file), never abort, hang or read without limit.

Environment: MEMVIEW_GUI, MEMVIEW_CLI.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from multiprocessing import resource_tracker, shared_memory

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from xvfb import start_xvfb  # noqa: E402

GUI = os.environ.get("MEMVIEW_GUI", "")
CLI = os.environ.get("MEMVIEW_CLI", "")
SPARSE = 2 << 30


def shown(path):
    """A path as memview prints it: one line, bytes that are not UTF-8 as \\xNN."""
    out = []
    for ch in os.fsencode(path).decode("utf-8", "surrogateescape"):
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            out.append("\\x%02x" % (code - 0xDC00))
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(ch)
    return "".join(out)


def vm_hwm_mib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0


class SpecialFiles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="memview-special-")
        d = os.fsencode(cls.tmp.name)
        cls.fifo = os.path.join(d, b"fifo")
        os.mkfifo(cls.fifo)
        cls.dir = os.path.join(d, b"a-directory")
        os.mkdir(cls.dir)
        cls.sparse = os.path.join(d, b"sparse")
        with open(cls.sparse, "wb") as f:
            f.truncate(SPARSE)
        cls.missing = os.path.join(d, b"missing-\xff\xfe")
        odd = os.path.join(d, b"dir-caf\xe9\n")
        os.mkdir(odd)
        cls.header = os.path.join(odd, b"h\xff.h")
        with open(cls.header, "w") as f:
            f.write("struct s { unsigned a; unsigned b; };\n")
        cls.name = "memview-special-%d" % os.getpid()
        cls.shm = shared_memory.SharedMemory(name=cls.name, create=True, size=4096)
        # The layout JSON and workspace, at paths that are not UTF-8.
        layout = subprocess.run([CLI, "layout", "--header", cls.header, "--type", "struct s",
                                 "--json", "--full"], stdout=subprocess.PIPE, check=True).stdout
        cls.layout = os.path.join(odd, b"l\xff.json")
        with open(cls.layout, "wb") as f:
            f.write(layout)
        cls.workspace = os.path.join(odd, b"w\xfe.json")
        with open(cls.workspace, "w") as f:
            json.dump({"memview_workspace": 1, "sources": [{"spec": "shm:/" + cls.name}]}, f)
        cls.batch = os.path.join(odd, b"b\xff.txt")
        with open(cls.batch, "w") as f:
            f.write("0 01\n")
        cls.specials = [
            (b"/dev/zero", "is a character device"),
            (cls.fifo, "is a FIFO"),
            (cls.dir, "is a directory"),
            (cls.sparse, "is %d bytes, more than the" % SPARSE),
            (cls.missing, "no such file"),
        ]

    @classmethod
    def tearDownClass(cls):
        cls.shm.close()
        cls.shm.unlink()
        cls.tmp.cleanup()

    # ---- the command line ---------------------------------------------------------------

    def cli(self, *args, stdin=None):
        try:
            r = subprocess.run([CLI, *args], stdin=stdin, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=60)
        except subprocess.TimeoutExpired:
            self.fail("memview-cli %r hung" % (args,))
        return r.returncode, r.stderr.decode("utf-8")  # must be valid UTF-8 text

    def expect_error(self, args, what, path, stdin=None):
        rc, err = self.cli(*args, stdin=stdin)
        lines = err.splitlines()
        self.assertEqual(rc, 1, "%r: rc %d, %r" % (args, rc, err))
        self.assertEqual(len(lines), 1, "%r: %r" % (args, err))
        self.assertTrue(lines[0].startswith("error: "), lines[0])
        self.assertIn(what, lines[0], args)
        if path is not None:
            self.assertIn(shown(path), lines[0], args)

    def test_cli_readers(self):
        name = self.name
        readers = [
            ("batch file", lambda p: ["poke", name, "--batch", p]),
            ("header", lambda p: ["layout", "--header", p, "--type", "struct s"]),
            ("header", lambda p: ["read", name, "--header", p, "--type", "struct s"]),
            ("layout file", lambda p: ["read", name, "--layout-json", p]),
            ("layout file", lambda p: ["write", name, "--layout-json", p, "--field", "a", "1"]),
        ]
        for what, args in readers:
            for path, problem in self.specials:
                with self.subTest(reader=what, path=path):
                    self.expect_error(args(path), "%s " % what, path)
                    self.expect_error(args(path), problem, None)
        # file: sources: only regular files are mapped; a 2 GiB sparse file is one.
        for path, problem in self.specials[:3]:
            for cmd in (["info"], ["dump", "--length", "16"], ["watch", "--count", "1"]):
                with self.subTest(cmd=cmd, path=path):
                    self.expect_error([cmd[0], b"file:" + path, *cmd[1:]], "not a regular file",
                                      path)
        rc, err = self.cli("dump", b"file:" + self.sparse, "--offset", str(SPARSE - 16))
        self.assertEqual(rc, 0, err)
        # Standard input as a batch file: /dev/zero is cut off at the cap.
        with open("/dev/zero", "rb") as zero:
            self.expect_error(["poke", name, "--batch", "-"], "more than the", None, stdin=zero)
        # Valid files at paths that are not UTF-8 work.
        for args in (["layout", "--header", self.header, "--type", "struct s"],
                     ["read", name, "--layout-json", self.layout],
                     ["poke", name, "--batch", self.batch]):
            rc, err = self.cli(*args)
            self.assertEqual(rc, 0, "%r: %s" % (args, err))

    # ---- the viewer ---------------------------------------------------------------------

    def viewer(self, args, expect, config=None, settle=1.5, timeout=20):
        """Runs memview; waits for `expect` on stderr (or `settle` s when None); then
        SIGTERM. Returns stderr. The viewer must end cleanly and stay small."""
        env = dict(os.environ, DISPLAY=self.display,
                   XDG_CONFIG_HOME=config or tempfile.mkdtemp(dir=self.tmp.name))
        errf = tempfile.TemporaryFile(dir=self.tmp.name)
        proc = subprocess.Popen([GUI, *args], env=env, stdout=subprocess.DEVNULL, stderr=errf)
        peak = 0
        deadline = time.monotonic() + (settle if expect is None else timeout)
        text = ""
        while time.monotonic() < deadline and proc.poll() is None:
            peak = max(peak, vm_hwm_mib(proc.pid))
            errf.seek(0)
            text = errf.read().decode("utf-8", "replace")
            if expect is not None and expect in text:
                time.sleep(0.3)  # a frame or two after the message
                break
            time.sleep(0.05)
        self.assertIsNone(proc.poll(), "memview ended (rc %s): %s" % (proc.returncode, text))
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            self.fail("memview did not end on SIGTERM: %s" % text)
        errf.seek(0)
        text = errf.read().decode("utf-8")  # valid UTF-8, whatever the paths
        errf.close()
        self.assertEqual(rc, 0, text)
        self.assertLess(peak, 600, "memview grew to %d MiB" % peak)
        if expect is not None:
            self.assertIn(expect, text)
        return text

    def test_viewer_command_line_errors(self):
        if not GUI:
            self.skipTest("no GUI build")
        r = subprocess.run([GUI, "--frobnicate"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=30, env=dict(os.environ, DISPLAY=""))
        self.assertEqual(r.returncode, 2, r.stderr)
        lines = r.stderr.splitlines()
        self.assertTrue(lines and lines[0].startswith("error: ") and "--frobnicate" in lines[0],
                        r.stderr)

    def test_viewer_readers(self):
        if not GUI:
            self.skipTest("no GUI build")
        xvfb, self.display = start_xvfb("1280x800x24")
        try:
            spec = "shm:/" + self.name
            for path, problem in self.specials:
                with self.subTest(option="--workspace", path=path):
                    text = self.viewer(["--workspace", path], "error: workspace %s" % shown(path))
                    self.assertIn(problem, text)
                with self.subTest(option="--layout", path=path):
                    text = self.viewer([spec, "--layout", path], "layout file %s" % shown(path))
                    self.assertIn(problem, text)
                with self.subTest(option="--font", path=path):
                    text = self.viewer(["--font", path], "error: font %s" % shown(path))
                    self.assertIn(problem, text)
            with self.subTest(option="--font", path="not a font"):
                self.viewer(["--font", self.batch], "is not a TrueType or OpenType font")
            # settings.json and imgui.ini in the config directory.
            for path, problem in self.specials[:4]:
                for leaf in ("settings.json", "imgui.ini"):
                    with self.subTest(file=leaf, path=path):
                        config = tempfile.mkdtemp(dir=self.tmp.name)
                        os.mkdir(os.path.join(config, "memview"))
                        target = os.path.join(os.fsencode(config), b"memview", leaf.encode())
                        if path == self.fifo:
                            os.mkfifo(target)
                        elif path == self.dir:
                            os.mkdir(target)
                        else:
                            os.symlink(path, target)
                        text = self.viewer([], problem, config=config)
                        self.assertRegex(text, r"(settings file|window layout) .*%s" % problem)
            # Valid files at paths that are not UTF-8: no error at all.
            text = self.viewer(["--workspace", self.workspace, "--layout", self.layout], None)
            self.assertNotIn("error", text)
            # Specs that are not UTF-8 on the command line: a missing object is said, an
            # existing one opens and is remembered exactly in settings.json.
            self.viewer([b"bad\xff\xfename"], "error: cannot open 'bad\\xff\\xfename'")
            odd = b"memview-special-%d-\xff\n" % os.getpid()
            fd = os.open(b"/dev/shm/" + odd, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
            os.ftruncate(fd, 4096)
            os.close(fd)
            try:
                config = tempfile.mkdtemp(dir=self.tmp.name)
                text = self.viewer([b"shm:/" + odd, b"file:" + self.header], None, config=config)
                self.assertNotIn("error", text)
                with open(os.path.join(config, "memview", "settings.json"), "rb") as f:
                    recent = json.loads(f.read().decode("utf-8"))["recent"]
                got = [r.encode() if isinstance(r, str) else bytes.fromhex(r["hex"])
                       for r in recent]
                self.assertEqual(got[:2], [b"file:" + self.header, b"shm:/" + odd])
            finally:
                os.unlink(b"/dev/shm/" + odd)
        finally:
            xvfb.terminate()
            xvfb.wait()


if __name__ == "__main__":
    unittest.main(verbosity=2)
