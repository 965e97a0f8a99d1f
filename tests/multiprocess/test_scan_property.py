"""memview-cli scan against a brute-force reference written in Python.

A python peer (multiprocessing.shared_memory) holds random bytes; for random cases of every
type x condition x alignment x byte order (and with or without a tiny --memory-cap, which
puts every block in the temporary file), the scan must find exactly the positions the
reference finds; then some bytes change and a narrowing must keep exactly the positions
whose values meet the narrowing condition. Bounded: a fixed seed and case count.
"""
import json
import math
import os
import random
import struct
import tempfile
import unittest

from mp_common import CLI, run_cli, shared_memory, unique_name

TYPES = {  # name: (struct code, width, is float)
    "i8": ("b", 1, False), "u8": ("B", 1, False), "i16": ("h", 2, False),
    "u16": ("H", 2, False), "i32": ("i", 4, False), "u32": ("I", 4, False),
    "i64": ("q", 8, False), "u64": ("Q", 8, False), "f32": ("f", 4, True),
    "f64": ("d", 8, True),
}
FIRST_OPS = ("eq", "ne", "lt", "gt", "range", "unknown")
NARROW_OPS = ("changed", "unchanged", "increased", "decreased", "increased-by", "decreased-by",
              "eq")
CASES = 120


def values(data, code, width, step, big):
    fmt = (">" if big else "<") + code
    return {p: struct.unpack_from(fmt, data, p)[0] for p in range(0, len(data) - width + 1, step)}


def bits(v, code, big):
    return struct.pack((">" if big else "<") + code, v)


def first_match(op, v, a, b):
    if op == "unknown":
        return True
    if isinstance(v, float) and math.isnan(v):
        return False
    if op == "eq":
        return v == a
    if op == "ne":
        return v != a
    if op == "lt":
        return v < a
    if op == "gt":
        return v > a
    return min(a, b) <= v <= max(a, b)


def narrow_match(op, v, old, a, code, width, big, is_float):
    if op == "changed":
        return bits(v, code, big) != bits(old, code, big)
    if op == "unchanged":
        return bits(v, code, big) == bits(old, code, big)
    if op == "eq":
        return v == a
    if is_float and (math.isnan(v) or math.isnan(old)):
        return False
    if op == "increased":
        return v > old
    if op == "decreased":
        return v < old
    mod = 1 << (8 * width)
    if op == "increased-by":
        return (v - old - a) % mod == 0
    return (old - v - a) % mod == 0


def text(v, is_float):
    return repr(float(v)) if is_float else str(v)


def found(proc):
    assert proc.returncode == 0, proc.stderr
    return {int(m["address"], 16) for m in json.loads(proc.stdout)["matches"]}


@unittest.skipUnless(CLI, "MEMVIEW_CLI not set")
class ScanPropertyTest(unittest.TestCase):
    def test_random_cases_match_the_reference(self):
        rng = random.Random(20261202)
        name = unique_name("scanprop")
        size = 1536
        shm = shared_memory.SharedMemory(name=name, create=True, size=size)
        self.addCleanup(shm.unlink)
        self.addCleanup(shm.close)
        spec = f"shm:/{name}"
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        state = os.path.join(tmp.name, "state")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TMPDIR": tmp.name,
               "LC_ALL": "C"}
        checked = 0
        for case in range(CASES):
            few = rng.random() < 0.5
            data = bytes(rng.randrange(4) if few else rng.randrange(256) for _ in range(size))
            shm.buf[:size] = data
            tname = rng.choice(sorted(TYPES))
            code, width, is_float = TYPES[tname]
            every = rng.random() < 0.4
            big = rng.random() < 0.5
            step = 1 if every else width
            before = values(data, code, width, step, big)
            finite = [v for v in before.values() if not (is_float and not math.isfinite(v))]
            op = rng.choice(FIRST_OPS)
            a, b = rng.choice(finite), rng.choice(finite)
            args = ["scan", spec, "--type", tname, "--json", "--limit", str(size), "--save",
                    state]
            if op == "range":
                args += ["--range", text(a, is_float), text(b, is_float)]
            elif op == "unknown":
                args += ["--unknown"]
            else:
                args += [f"--{op}", text(a, is_float)]
            if every:
                args += ["--align", "1"]
            if big:
                args += ["--be"]
            if is_float:
                args += ["--tolerance", "exact"]
            if rng.random() < 0.3:
                args += ["--memory-cap", "1"]
            label = " ".join(args[2:])
            got = found(run_cli(*args, env=env))
            want = {p for p, v in before.items() if first_match(op, v, a, b)}
            self.assertEqual(got, want, label)
            checked += 1
            if op not in ("unknown", "ne") and rng.random() < 0.5:
                continue
            # Narrowing after some bytes changed.
            changed = bytearray(data)
            for _ in range(rng.randrange(1, 60)):
                changed[rng.randrange(size)] = rng.randrange(4)
            shm.buf[:size] = bytes(changed)
            after = values(bytes(changed), code, width, step, big)
            nop = rng.choice(NARROW_OPS)
            if is_float and nop in ("increased-by", "decreased-by"):
                nop = "changed"  # float by-n has its own tests (tolerances)
            nargs = ["scan", spec, "--from", state, "--json", "--limit", str(size)]
            na = 1
            if nop in ("increased-by", "decreased-by"):
                nargs += [f"--{nop}", "1"]
            elif nop == "eq":
                finite_after = [v for v in after.values()
                                if not (is_float and not math.isfinite(v))]
                na = rng.choice(finite_after)
                nargs += ["--eq", text(na, is_float)]
            else:
                nargs += [f"--{nop}"]
            if rng.random() < 0.3:
                nargs += ["--memory-cap", "1"]
            got = found(run_cli(*nargs, env=env))
            want = {p for p in want
                    if narrow_match(nop, after[p], before[p], na, code, width, big, is_float)}
            self.assertEqual(got, want, f"{label} then {' '.join(nargs[4:])}")
            checked += 1
        self.assertGreater(checked, CASES)
        self.assertEqual(sorted(os.listdir(tmp.name)), ["state"])  # no spill file left


if __name__ == "__main__":
    unittest.main()
