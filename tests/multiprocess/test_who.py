"""memview-cli who: the processes mapping an object, found in every /proc/PID/maps.

A writer (who_target shm) and a reader (who_target reader) map the same POSIX shm object;
this python process maps a System V segment and a file itself. Each must be listed with
the address its own program printed, its permissions, and a spec that opens the same bytes;
memview-cli itself never shows up."""
import json
import mmap
import os
import tempfile
import unittest

from mp_common import SysvSegment, main, remove_shm_quietly, unique_name
from who_common import Target, read_u64, run


class WhoMaps(unittest.TestCase):
    def setUp(self):
        self.name = unique_name("who")
        self.writer = Target("shm", self.name)
        self.reader = Target("reader", self.name)

    def tearDown(self):
        self.reader.close()
        self.writer.close()
        remove_shm_quietly(self.name)

    def listed(self, spec):
        rc, out, err = run("who", spec, "--json")
        self.assertEqual(rc, 0, err)
        return json.loads(out)

    def test_shm_lists_writer_and_reader_at_their_addresses(self):
        j = self.listed(self.name)
        self.assertEqual(j["spec"], "shm:/" + self.name)
        self.assertEqual(j["object"]["path"], "/dev/shm/" + self.name)
        procs = {p["pid"]: p for p in j["processes"]}
        self.assertEqual(set(procs), {self.writer.pid, self.reader.pid},
                         "exactly the two processes mapping it (not memview-cli)")
        for target, perms in ((self.writer, "rw-s"), (self.reader, "r--s")):
            p = procs[target.pid]
            self.assertEqual(len(p["mappings"]), 1)
            m = p["mappings"][0]
            # The counter lives at offset 0x40: the mapping starts 0x40 below its address.
            self.assertEqual(m["start_value"], target.addr - 0x40)
            self.assertEqual(m["size"], 4096)
            self.assertEqual(m["object_offset"], 0)
            self.assertEqual(m["perms"], perms)
            self.assertEqual(m["spec"], "pid:%d@%#x+0x1000" % (target.pid, target.addr - 0x40))
            self.assertTrue(p["can_open"])
            self.assertIn("who_target", p["command"])
            self.assertEqual(p["uid"], os.geteuid())
        # The spec it gives opens the same bytes: the counter through the reader's address.
        self.writer.send("alpha 5")
        self.writer.expect("alpha-done")
        m = procs[self.reader.pid]["mappings"][0]
        self.assertEqual(read_u64(m["spec"], self.reader.addr), 5)

    def test_table(self):
        rc, out, err = run("who", self.name)
        self.assertEqual(rc, 0, err)
        self.assertIn("2 processes map it", out)
        self.assertRegex(out, r"(?m)^%d\s+\S+\s+rw-s\s+%#x-" % (self.writer.pid, self.writer.addr - 0x40))
        self.assertRegex(out, r"(?m)^%d\s+\S+\s+r--s\s+%#x-" % (self.reader.pid, self.reader.addr - 0x40))
        self.assertIn("open in process %d: pid:%d@%#x+0x1000" %
                      (self.reader.pid, self.reader.pid, self.reader.addr - 0x40), out)

    def test_pid_range_in_a_shared_mapping_finds_the_other_process(self):
        j = self.listed("pid:%d@%#x+8" % (self.reader.pid, self.reader.addr))
        self.assertEqual(j["pid_offset"], 0x40)
        self.assertFalse(j["object"]["private"])
        self.assertEqual({p["pid"] for p in j["processes"]}, {self.writer.pid, self.reader.pid})

    def test_pid_private_memory_is_the_process_alone(self):
        g = Target("global")
        try:
            j = self.listed("pid:%d@%#x+8" % (g.pid, g.addr))
            self.assertTrue(j["object"]["private"])
            self.assertEqual([p["pid"] for p in j["processes"]], [g.pid])
            m = j["processes"][0]["mappings"][0]
            self.assertLessEqual(m["start_value"], g.addr)
            self.assertGreater(m["start_value"] + m["size"], g.addr)
        finally:
            g.close()


class WhoMapsOwnMappings(unittest.TestCase):
    """This test process maps the objects itself (python's mmap and libc's shmat)."""

    def test_sysv_segment_by_id_and_key(self):
        seg = SysvSegment(8192)
        try:
            for spec in ("sysv:%d" % seg.id, "sysvkey:%#x" % seg.key):
                rc, out, err = run("who", spec, "--json")
                self.assertEqual(rc, 0, err)
                j = json.loads(out)
                self.assertTrue(j["object"]["sysv"])
                self.assertEqual(j["object"]["inode"], seg.id)
                self.assertEqual(j["object"]["attach_count"], 1)
                procs = {p["pid"]: p for p in j["processes"]}
                self.assertEqual(set(procs), {os.getpid()}, spec)
                m = procs[os.getpid()]["mappings"][0]
                self.assertEqual(m["start_value"], seg.addr)
                self.assertEqual(m["size"], 8192)
        finally:
            seg.remove()

    def test_file_mapped_shared(self):
        with tempfile.NamedTemporaryFile(prefix="memview-who-") as f:
            f.write(b"\0" * 8192)
            f.flush()
            m = mmap.mmap(f.fileno(), 8192, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE,
                          offset=4096 * 0)
            try:
                rc, out, err = run("who", "file:" + f.name, "--json")
                self.assertEqual(rc, 0, err)
                j = json.loads(out)
                procs = {p["pid"]: p for p in j["processes"]}
                self.assertIn(os.getpid(), procs)
                maps = procs[os.getpid()]["mappings"]
                self.assertEqual([x["perms"] for x in maps], ["rw-s"])
                self.assertEqual(maps[0]["size"], 8192)
            finally:
                m.close()

    def test_nobody_maps_it(self):
        name = unique_name("who-empty")
        try:
            with open("/dev/shm/" + name, "wb") as f:
                f.write(b"\0" * 64)
            rc, out, err = run("who", name)
            self.assertEqual(rc, 0, err)
            self.assertIn("0 processes map it", out)
        finally:
            remove_shm_quietly(name)

    def test_errors(self):
        for args, text in ((["who", unique_name("missing")], "no POSIX shared memory object"),
                           (["who", "gdb:127.0.0.1:1"], "shared memory (shm:, file:, sysv:, sysvkey:)"),
                           (["who", "pid:999999999"], "no process with id 999999999"),
                           (["who", "sysv:2147483000"], "no System V segment")):
            rc, out, err = run(*args)
            self.assertEqual(rc, 1, (args, out, err))
            self.assertTrue(err.startswith("error: "), err)
            self.assertIn(text, err)
            self.assertEqual(out, "")


if __name__ == "__main__":
    main()
