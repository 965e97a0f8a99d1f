#!/usr/bin/env python3
"""libclang is loaded at run time, by the first parse only (core/src/layout/libclang_loader.h).

Checked on the real binaries: memview-cli (and the viewer when built) do not link libclang or
libLLVM; `memview-cli layout` still parses a header (offsets checked against python's ctypes,
an independent idea of the C layout); the dynamic loader's own trace (LD_DEBUG=files) shows
libclang loaded by a parse and not by commands that parse nothing; and a libclang that
cannot be loaded (MEMVIEW_LIBCLANG override) gives one clear error, a non-zero exit and no
crash, while layouts from JSON keep working."""
import ctypes
import ctypes.util
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

CLI = os.environ["MEMVIEW_CLI"]
GUI = os.environ.get("MEMVIEW_GUI", "")

HEADER = """\
#include <stdint.h>
struct sample {
  uint8_t tag;
  uint64_t stamp;
  int16_t level;
  double value;
  char name[5];
  uint32_t count;
};
"""


class Sample(ctypes.Structure):
    _fields_ = [("tag", ctypes.c_uint8), ("stamp", ctypes.c_uint64), ("level", ctypes.c_int16),
                ("value", ctypes.c_double), ("name", ctypes.c_char * 5),
                ("count", ctypes.c_uint32)]


def run(args, **env):
    full_env = dict(os.environ)
    full_env.update(env)
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=full_env, timeout=120)


def loaded_objects(args, **env):
    """Shared objects the dynamic loader opened for this run (from its own LD_DEBUG trace)."""
    p = run(args, LD_DEBUG="files", **env)
    return p, set(re.findall(r"file=(\S+)\s+\[\d+\];\s+(?:needed|dynamically loaded) by",
                             p.stderr))


def is_clang_or_llvm(name):
    base = os.path.basename(name)
    return base.startswith("libclang") or base.startswith("libLLVM")


class LibclangLoadingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.header = os.path.join(cls.dir.name, "sample.h")
        with open(cls.header, "w") as f:
            f.write(HEADER)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def layout_args(self):
        return [CLI, "layout", "--header", self.header, "--type", "struct sample", "--json"]

    def test_binaries_do_not_link_libclang(self):
        if not shutil.which("ldd"):
            self.skipTest("no ldd")
        binaries = [CLI] + ([GUI] if GUI else [])
        for binary in binaries:
            p = run(["ldd", binary])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("libc.so", p.stdout)  # ldd did list the dependencies
            linked = [line for line in p.stdout.splitlines()
                      if is_clang_or_llvm(line.strip().split()[0])]
            self.assertEqual(linked, [], binary)

    def test_layout_parses_a_header_as_ctypes_lays_it_out(self):
        p = run(self.layout_args())
        self.assertEqual(p.returncode, 0, p.stderr)
        j = json.loads(p.stdout)
        self.assertEqual(j["size"], ctypes.sizeof(Sample))
        self.assertEqual(j["align"], ctypes.alignment(Sample))
        offsets = {f["path"]: f["offset"] for f in j["fields"]}
        self.assertEqual(offsets, {name: getattr(Sample, name).offset
                                   for name, _ in Sample._fields_})

    def test_only_a_parse_loads_libclang(self):
        p, parsed = loaded_objects(self.layout_args())
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertTrue(any(is_clang_or_llvm(o) for o in parsed), sorted(parsed))
        for args in ([CLI, "--help"], [CLI, "list"]):
            p, objects = loaded_objects(args)
            self.assertEqual(p.returncode, 0, p.stderr[-2000:])
            self.assertTrue(objects, "LD_DEBUG gave no trace")  # the trace itself works
            self.assertEqual([o for o in objects if is_clang_or_llvm(o)], [], args)

    def test_missing_libclang_is_one_clear_error(self):
        missing = os.path.join(self.dir.name, "no-such-libclang.so")
        p = run(self.layout_args(), MEMVIEW_LIBCLANG=missing)
        self.assertGreater(p.returncode, 0, p.stderr)  # an exit code, not a signal
        self.assertEqual(p.stdout, "")
        self.assertIn("struct layouts need libclang: cannot load %s: " % missing, p.stderr)
        self.assertIn("No such file", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)

    def test_a_library_that_is_not_libclang_is_refused(self):
        # libm is a real shared object that has none of libclang's functions.
        libm = ctypes.util.find_library("m")
        self.assertTrue(libm)
        p = run(self.layout_args(), MEMVIEW_LIBCLANG=libm)
        self.assertGreater(p.returncode, 0, p.stderr)
        self.assertIn("struct layouts need libclang: %s lacks clang_" % libm, p.stderr)

    def test_json_layouts_work_without_libclang(self):
        exported = os.path.join(self.dir.name, "sample.layout.json")
        p = run(self.layout_args() + ["--full"])
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(exported, "w") as f:
            f.write(p.stdout)
        p = run([CLI, "layout", "--layout-json", exported, "--json"],
                MEMVIEW_LIBCLANG="/nonexistent/libclang.so")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["size"], ctypes.sizeof(Sample))


if __name__ == "__main__":
    unittest.main()
