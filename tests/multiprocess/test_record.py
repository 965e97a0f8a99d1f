"""record / replay / info against real writer processes (rec_writer.c): every value of a
counter held for a known time is in the recording (shm, file, sysv, pid); a seqlock writer's
struct is never recorded torn; faults (shrink, unlink, process exit) end the recording with
the file readable (gdbserver killed: tests/debugger/record_gdb_test.cpp); a trigger keeps
the time before and after it and marks the right sample; --exec runs once per mark; a ring
bounded by bytes keeps only the newest blocks; overlay fields as the recorded ranges and as
the filter of --changes."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from mp_common import (CLI, PyShm, main, remove_shm_quietly, run_cli, shm_path, unique_name,
                       wait_until)

WRITER = os.environ.get("MEMVIEW_REC_WRITER", "")


def parse_hexdump(text):
    """Bytes of a `hexdump -C` listing (with '*' repeats)."""
    out = bytearray()
    last = None
    repeat = False
    for line in text.splitlines():
        if line == "*":
            repeat = True
            continue
        parts = line.split("  ", 1)
        offset = int(parts[0].split()[0], 16)
        if repeat and last is not None:
            while len(out) < offset:
                out += last
            repeat = False
        if len(parts) < 2:
            break
        hex_part = parts[1].split("|")[0]
        row = bytes(int(x, 16) for x in hex_part.split())
        out += row
        last = row
    return bytes(out)


class Writer:
    """rec_writer in the background; ready() gives its spec and counter address."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([WRITER, *[str(a) for a in args]], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        words = self.proc.stdout.readline().split()
        if not words or words[0] != "ready":
            self.proc.kill()
            raise AssertionError(f"rec_writer did not start: {words}")
        self.spec, self.address = words[1], int(words[2])

    def go(self):
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def wait_done(self, timeout=60):
        line = self.proc.stdout.readline()
        assert line.strip() == "done", line

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Recording:
    """`memview-cli record ... --json` in the background."""

    def __init__(self, path, *args, env=None):
        self.path = path
        self.proc = subprocess.Popen([CLI, "record", *[str(a) for a in args], "--out", path,
                                      "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        # The header is written once the sampler has opened the source.
        if not wait_until(lambda: os.path.exists(path) and os.path.getsize(path) > 0
                          or self.proc.poll() is not None, timeout=20):
            self.proc.kill()
            raise AssertionError("record did not start")
        time.sleep(0.05)

    def finish(self, interrupt=True, timeout=120):
        if interrupt and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        out, err = self.proc.communicate(timeout=timeout)
        if self.proc.returncode != 0:
            raise AssertionError(f"record failed ({self.proc.returncode}): {err}")
        return json.loads(out)


def info(path):
    p = run_cli("info", path, "--json")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def series(path, field):
    p = run_cli("replay", path, "--field", field, "--csv")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.decode().splitlines()
    assert lines[0] == "time_s,value", lines[:1]
    return [(float(t), int(v)) for t, v in (line.split(",") for line in lines[1:])]


@unittest.skipUnless(WRITER and CLI, "needs MEMVIEW_REC_WRITER and MEMVIEW_CLI")
class RecordTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="memview-record-")
        self.writers = []

    def tearDown(self):
        for w in self.writers:
            w.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def writer(self, *args):
        w = Writer(*args)
        self.writers.append(w)
        return w

    def out(self, name="rec.mvrec"):
        return os.path.join(self.dir, name)

    def check_every_value(self, kind, name):
        # 40 ms per value at 100 Hz: 4 samples per value, and a value outlasts the tens of
        # milliseconds a busy shared machine may keep the sampler off the CPU.
        count = 40
        w = self.writer("counter", kind, name, 40000, count)
        rec = Recording(self.out(), w.spec, "--range", f"{w.address}+8", "--rate", 100)
        w.go()
        w.wait_done()
        time.sleep(0.05)
        summary = rec.finish()
        self.assertGreater(summary["samples"], 3 * count, summary)
        values = [v for _, v in series(self.out(), f"u64@{w.address}")]
        self.assertEqual(values, list(range(count + 1)),
                         f"{kind}: missing {sorted(set(range(count + 1)) - set(values))[:10]}, "
                         f"summary {summary}")
        times = [t for t, _ in series(self.out(), f"u64@{w.address}")]
        self.assertEqual(times, sorted(times))

    def test_every_value_shm(self):
        name = "/" + unique_name("rec-shm")
        try:
            self.check_every_value("shm", name)
        finally:
            remove_shm_quietly(name)

    def test_every_value_file(self):
        self.check_every_value("file", os.path.join(self.dir, "object.bin"))

    def test_every_value_sysv(self):
        self.check_every_value("sysv", "-")

    def test_every_value_pid(self):
        self.check_every_value("pid", "-")

    def test_seqlock_samples_are_never_torn(self):
        name = "/" + unique_name("rec-seq")
        try:
            w = self.writer("seqlock", name)
            samples = 100000
            # 20 kHz: the writer (a round every few microseconds) moves on between samples.
            p = run_cli("record", w.spec, "--range", "0+256", "--seqlock", "0+8", "--rate", 20000,
                        "--samples", samples, "--out", self.out(), "--json", timeout=240)
            self.assertEqual(p.returncode, 0, p.stderr)
            summary = json.loads(p.stdout)
            self.assertEqual(summary["samples"], samples)
            self.assertGreater(summary["torn_retries"], 0, summary)
            # Replay every sample: the checksum of each recorded struct must hold.
            first = run_cli("replay", self.out(), "--at", "0")
            self.assertEqual(first.returncode, 0, first.stderr)
            state = bytearray(parse_hexdump(first.stdout.decode()))
            self.assertEqual(len(state), 256)
            changes = run_cli("replay", self.out(), "--changes", "--json", timeout=240)
            self.assertEqual(changes.returncode, 0, changes.stderr)
            checked = 0

            def check():
                seq = int.from_bytes(state[0:8], "little")
                self.assertEqual(seq % 2, 0)
                # A torn copy mixes two rounds: its bytes no longer add up to the sum.
                self.assertEqual(int.from_bytes(state[8:16], "little"), sum(state[16:256]),
                                 f"torn sample recorded (seq {seq})")

            check()
            current_t = None
            for line in changes.stdout.decode().splitlines():
                c = json.loads(line)
                if current_t is not None and c["t_s"] != current_t:
                    check()
                    checked += 1
                current_t = c["t_s"]
                data = bytes.fromhex(c["bytes"])
                state[c["address"]:c["address"] + len(data)] = data
            check()
            checked += 1
            self.assertGreater(checked, 1000)
        finally:
            remove_shm_quietly(name)

    def fault_case(self, make_fault, spec, rng):
        rec = Recording(self.out(), spec, "--range", rng, "--rate", 500, "--duration", 60)
        time.sleep(0.2)
        make_fault()
        summary = rec.finish(interrupt=False, timeout=60)
        self.assertTrue(summary["ended_by"].startswith("fault"), summary)
        meta = info(self.out())
        self.assertEqual(meta["faults"], 1, meta)
        self.assertFalse(meta["truncated"])
        p = run_cli("replay", self.out())
        self.assertEqual(p.returncode, 0, p.stderr)
        return meta

    def test_fault_shrink(self):
        name = unique_name("rec-shrink")
        shm = PyShm(name, 8192, create=True)
        try:
            self.fault_case(lambda: os.truncate(shm_path(name), 1024), f"shm:{name}", "0+8192")
        finally:
            shm.close(unlink=False)
            remove_shm_quietly(name)

    def test_fault_unlink(self):
        name = unique_name("rec-unlink")
        shm = PyShm(name, 4096, create=True)
        try:
            self.fault_case(lambda: remove_shm_quietly(name), f"shm:{name}", "0+64")
        finally:
            shm.close(unlink=False)

    def test_fault_process_exit(self):
        w = self.writer("counter", "pid", "-", 1000, 50, 1)
        self.fault_case(w.go, w.spec, f"{w.address}+8")

    def test_trigger_keeps_pre_and_post_and_marks_the_sample(self):
        name = "/" + unique_name("rec-trig")
        try:
            w = self.writer("counter", "shm", name, 10000, 250)
            exec_out = os.path.join(self.dir, "event.json")
            rec = Recording(self.out(), w.spec, "--range", "0+128", "--rate", 500,
                            "--trigger", f"u64@{w.address} crosses above 100", "--pre", "0.3",
                            "--post", "0.3", "--exec", f"cat > '{exec_out}'", "--duration", 30)
            w.go()
            summary = rec.finish(interrupt=False)
            self.assertEqual(summary["ended_by"], "trigger", summary)
            meta = info(self.out())
            marks = [e for e in meta["events"] if e["kind"] == "mark"]
            self.assertEqual(len(marks), 1, meta)
            t_mark = marks[0]["t_s"]
            self.assertIn("= 101", marks[0]["text"])
            points = series(self.out(), f"u64@{w.address}")
            # The mark is on the first sample holding 101.
            at_mark = [v for t, v in points if t <= t_mark][-1]
            self.assertEqual(at_mark, 101)
            self.assertTrue(any(t == t_mark and v == 101 for t, v in points), points)
            self.assertLessEqual(meta["first_s"], t_mark - 0.3)
            self.assertGreaterEqual(meta["last_s"], t_mark + 0.3)
            self.assertLess(meta["last_s"], t_mark + 0.3 + 0.1)
            self.assertTrue(wait_until(lambda: os.path.exists(exec_out)
                                       and os.path.getsize(exec_out) > 0, timeout=10))
            with open(exec_out, encoding="utf-8") as f:
                event = json.loads(f.read())
            self.assertEqual(event["event"], "mark")
            self.assertIn("crosses above 100", event["text"])
        finally:
            remove_shm_quietly(name)

    def test_layout_fields_in_triggers_and_series(self):
        name = "/" + unique_name("rec-layout")
        header = os.path.join(self.dir, "counter.h")
        with open(header, "w", encoding="utf-8") as f:
            f.write("struct counter_page { unsigned long long pad[8]; unsigned long long value; };\n")
        try:
            w = self.writer("counter", "shm", name, 25000, 40)
            rec = Recording(self.out(), w.spec, "--header", header, "--type", "struct counter_page",
                            "--rate", 200, "--trigger", "value crosses above 20", "--duration", 30)
            w.go()
            w.wait_done()
            time.sleep(0.05)
            rec.finish()
            meta = info(self.out())
            self.assertEqual(meta["ranges"], [{"address": 0, "length": 72}])
            marks = [e for e in meta["events"] if e["kind"] == "mark"]
            self.assertEqual(len(marks), 1, meta)
            points = series(self.out(), "value")
            values = [v for _, v in points]
            self.assertEqual(values, sorted(set(values)))
            self.assertEqual((values[0], values[-1]), (0, 40))
            # The mark names the first value recorded above 20 (every value is checked by
            # the counter tests; this one is about field names).
            first_above = next(v for v in values if v > 20)
            self.assertIn(f"value = {first_above}", marks[0]["text"])
            p = run_cli("replay", self.out(), "--field", "nope", "--csv")
            self.assertEqual(p.returncode, 1)
            self.assertIn("nope", p.stderr)
        finally:
            remove_shm_quietly(name)

    def test_exec_runs_once_per_mark_with_the_mark_in_its_environment(self):
        name = "/" + unique_name("rec-exec")
        try:
            count = 8
            w = self.writer("counter", "shm", name, 40000, count)
            # Each command takes longer than the marks are apart: they queue up on the exec
            # thread instead of being lost or holding up the sampler.
            cmd = ('cat > "$D/mark-$MEMVIEW_MARK_INDEX.json"; '
                   'printf "%s|%s|%s" "$MEMVIEW_MARK_T_S" "$MEMVIEW_MARK_TEXT" '
                   '"$MEMVIEW_RECORDING" > "$D/env-$MEMVIEW_MARK_INDEX.txt"; sleep 0.1')
            env = dict(os.environ, D=self.dir)
            rec = Recording(self.out(), w.spec, "--range", "0+128", "--rate", 100,
                            "--trigger", f"u64@{w.address} changed", "--exec", cmd, env=env)
            w.go()
            w.wait_done()
            time.sleep(0.05)
            summary = rec.finish()
            self.assertEqual(summary["marks"], count, summary)
            marks = [e for e in info(self.out())["events"] if e["kind"] == "mark"]
            self.assertEqual(len(marks), count)
            # record returns once every command ran: no waiting for files here.
            for i, mark in enumerate(marks, start=1):
                with open(os.path.join(self.dir, f"mark-{i}.json"), encoding="utf-8") as f:
                    event = json.loads(f.read())
                self.assertEqual(event["event"], "mark")
                self.assertEqual(event["marks"], i)
                self.assertEqual(event["text"], mark["text"])
                self.assertAlmostEqual(event["t_s"], mark["t_s"], places=6)
                self.assertIn(f"= {i}", event["text"])
                with open(os.path.join(self.dir, f"env-{i}.txt"), encoding="utf-8") as f:
                    t_s, text, path = f.read().split("|")
                self.assertAlmostEqual(float(t_s), mark["t_s"], places=6)
                self.assertEqual(text, mark["text"])
                self.assertEqual(path, self.out())
            self.assertFalse(os.path.exists(os.path.join(self.dir, f"mark-{count + 1}.json")))
        finally:
            remove_shm_quietly(name)

    def test_ring_bounded_by_bytes_keeps_the_newest_blocks(self):
        name = unique_name("rec-ring")
        shm = PyShm(name, 4096, create=True)
        stop = threading.Event()

        def scribble():
            # Incompressible bytes, rewritten about every half millisecond.
            while not stop.is_set():
                shm.buf[0:4096] = os.urandom(4096)
                time.sleep(0.0005)

        writer = threading.Thread(target=scribble)
        writer.start()
        try:
            ring = 256 << 10
            p = run_cli("record", f"shm:{name}", "--range", "0+4096", "--rate", 500,
                        "--duration", 2, "--ring", "256KiB", "--out", self.out(), "--json",
                        timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            summary = json.loads(p.stdout)
            self.assertGreater(summary["changed_bytes"], 2 * ring, summary)
            size = os.path.getsize(self.out())
            # The ring, one more block (64 KiB raw at most) and the header and index.
            self.assertLessEqual(size, ring + (64 << 10) + (16 << 10), summary)
            meta = info(self.out())
            self.assertFalse(meta["truncated"])
            self.assertGreater(meta["first_s"], 0.5, meta)  # the start was dropped
            self.assertGreater(meta["last_s"], 1.5, meta)   # the end was kept
            state = run_cli("replay", self.out(), "--at", meta["first_s"])
            self.assertEqual(state.returncode, 0, state.stderr)
            self.assertEqual(len(parse_hexdump(state.stdout.decode())), 4096)
            for bad in ["12XB", "0KiB", "KiB", "1.5XiB"]:
                p = run_cli("record", f"shm:{name}", "--range", "0+64", "--ring", bad,
                            "--out", self.out("bad.mvrec"))
                self.assertEqual(p.returncode, 1, bad)
                self.assertEqual(p.stderr.count("\n"), 1, p.stderr)
                self.assertIn("--ring", p.stderr)
                self.assertFalse(os.path.exists(self.out("bad.mvrec")))
        finally:
            stop.set()
            writer.join()
            shm.close(unlink=True)

    def test_fields_as_ranges_and_changes_by_field(self):
        name = "/" + unique_name("rec-fields")
        header = os.path.join(self.dir, "page.h")
        with open(header, "w", encoding="utf-8") as f:
            f.write("struct page { unsigned long long pad[8]; unsigned long long value;\n"
                    "              unsigned int other[4]; unsigned long long gap, far; };\n")
        try:
            w = self.writer("counter", "shm", name, 20000, 10)
            rec = Recording(self.out(), w.spec, "--header", header, "--type", "struct page",
                            "--field", "value,other", "--field", "far", "--rate", 200)
            w.go()
            w.wait_done()
            time.sleep(0.05)
            rec.finish()
            meta = info(self.out())
            # value and other touch: one range; far is apart.
            self.assertEqual(meta["ranges"], [{"address": 64, "length": 24},
                                              {"address": 96, "length": 8}])
            self.assertEqual([v for _, v in series(self.out(), "value")], list(range(11)))
            p = run_cli("replay", self.out(), "--changes", "--field", "value", "--json")
            self.assertEqual(p.returncode, 0, p.stderr)
            changes = [json.loads(line) for line in p.stdout.decode().splitlines()]
            self.assertEqual(len(changes), 10)
            # Each change is clipped to the field's 8 bytes; replayed, they count 1..10.
            value = bytearray(8)
            seen = []
            for c in changes:
                data = bytes.fromhex(c["bytes"])
                self.assertTrue(64 <= c["address"] and c["address"] + len(data) <= 72, c)
                value[c["address"] - 64:c["address"] - 64 + len(data)] = data
                seen.append(int.from_bytes(value, "little"))
            self.assertEqual(seen, list(range(1, 11)))
            p = run_cli("replay", self.out(), "--changes", "--field", "other")
            self.assertEqual((p.returncode, p.stdout), (0, b""), p.stderr)
            p = run_cli("replay", self.out(), "--next-change", "--field", "value", "--at", 0)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertAlmostEqual(float(p.stdout), changes[0]["t_s"], places=6)
            for args, text in [(["--field", "nope"], "nope"),
                               (["--field", "pad[3]"], "not inside")]:
                p = run_cli("replay", self.out(), "--changes", *args)
                self.assertEqual(p.returncode, 1, args)
                self.assertIn(text, p.stderr)
            p = run_cli("record", w.spec, "--field", "value", "--out", self.out("x.mvrec"))
            self.assertEqual(p.returncode, 1)
            self.assertIn("--field needs", p.stderr)
            self.assertFalse(os.path.exists(self.out("x.mvrec")))
        finally:
            remove_shm_quietly(name)

    def test_bad_arguments_and_files(self):
        p = run_cli("record", "shm:nope", "--range", "0+64", "--out", self.out(), "--trigger",
                    "u32@0x40 >")
        self.assertEqual(p.returncode, 1)
        self.assertIn("at column 11: expected a number", p.stderr)
        foreign = os.path.join(self.dir, "foreign.bin")
        with open(foreign, "wb") as f:
            f.write(b"\x7fELF" + bytes(100))
        p = run_cli("replay", foreign)
        self.assertEqual(p.returncode, 1)
        self.assertIn("not a memview recording", p.stderr)
        self.assertEqual(p.stderr.count("\n"), 1, p.stderr)


if __name__ == "__main__":
    main()
