"""memview never destroys what it did not create: `remove` deletes named shared memory
only (never a file, a process or a remote target), `demo --name` refuses an existing
object and removes only its own, and a `create` that fails leaves nothing behind. `create
--mode` takes permission bits only (no setuid/setgid/sticky) and applies them exactly."""
import ctypes
import os
import stat
import subprocess
import tempfile
import time
import unittest

from mp_common import (CLI, PyShm, SysvSegment, main, remove_shm_quietly, run_cli, shm_path,
                       unique_name)


class RemoveTest(unittest.TestCase):
    def test_remove_refuses_a_regular_file(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "important.txt")
            with open(path, "w") as f:
                f.write("important\n")
            r = run_cli("remove", "file:" + path)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertRegex(r.stderr, r"^error: .*file:.*not .*shared memory")
            self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
            with open(path) as f:
                self.assertEqual(f.read(), "important\n")

    def test_remove_refuses_a_process_and_a_remote_target(self):
        for spec in ("pid:%d" % os.getpid(), "pid:%d@0x1000+16" % os.getpid(),
                     "gdb:127.0.0.1:1"):
            r = run_cli("remove", spec)
            self.assertEqual(r.returncode, 1, spec)
            self.assertRegex(r.stderr, r"^error: .*not .*shared memory", spec)

    def test_remove_still_removes_shared_memory(self):
        name = unique_name("rm")
        PyShm(name, 64, create=True).close(unlink=False)
        self.addCleanup(remove_shm_quietly, name)
        r = run_cli("remove", name)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(shm_path(name)))
        seg = SysvSegment(64)
        try:
            r = run_cli("remove", "sysv:%d" % seg.id)
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            seg.remove()


class DemoNameTest(unittest.TestCase):
    def test_demo_refuses_an_existing_object(self):
        name = unique_name("precious")
        r = run_cli("create", name, "128")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.addCleanup(remove_shm_quietly, name)
        r = run_cli("poke", name, "0", "deadbeef")
        self.assertEqual(r.returncode, 0, r.stderr)
        ino = os.stat(shm_path(name)).st_ino
        r = run_cli("demo", "--name", name, "--seconds", "1", timeout=30)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertRegex(r.stderr, r"^error: .*already exists")
        st = os.stat(shm_path(name))
        self.assertEqual((st.st_ino, st.st_size), (ino, 128), "the demo replaced the object")
        with open(shm_path(name), "rb") as f:
            self.assertEqual(f.read(4), bytes.fromhex("deadbeef"))

    def test_demo_removes_only_what_it_created(self):
        """Someone replaces the demo's object while it runs: the demo's exit must leave the
        replacement alone."""
        name = unique_name("demo-replaced")
        self.addCleanup(remove_shm_quietly, name)
        proc = subprocess.Popen([CLI, "demo", "--name", name, "--seconds", "30"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.assertTrue(proc.stdout.readline().startswith("demo: writing to"))
            os.unlink(shm_path(name))
            other = PyShm(name, 100, create=True)
            other.buf[:4] = b"mine"
            other.close(unlink=False)
            proc.terminate()
            proc.communicate(timeout=10)
            self.assertEqual(proc.returncode, 0)
            self.assertTrue(os.path.exists(shm_path(name)), "the demo removed someone else's")
            with open(shm_path(name), "rb") as f:
                self.assertEqual(f.read(4), b"mine")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def test_demo_replaces_its_own_stale_object(self):
        """A demo killed with SIGKILL leaves its object behind; the next demo of that name
        recognises it (its header, a producer that is gone) and starts over."""
        name = unique_name("demo-stale")
        self.addCleanup(remove_shm_quietly, name)
        proc = subprocess.Popen([CLI, "demo", "--name", name, "--seconds", "30"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertTrue(proc.stdout.readline().startswith("demo: writing to"))
        proc.kill()
        proc.communicate()
        self.assertTrue(os.path.exists(shm_path(name)))
        r = run_cli("demo", "--name", name, "--seconds", "1", timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(shm_path(name)))


class CreateTest(unittest.TestCase):
    def test_failed_create_leaves_nothing_behind(self):
        name = unique_name("big")
        self.addCleanup(remove_shm_quietly, name)
        r = run_cli("create", name, "9223372036854775807")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertRegex(r.stderr, r"^error: ")
        self.assertFalse(os.path.exists(shm_path(name)), "a failed create left the object")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "big.bin")
            r = run_cli("create", "file:" + path, "9223372036854775807")
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertFalse(os.path.exists(path), "a failed create left the file")

    def test_mode_takes_permission_bits_only(self):
        for mode in ("4777", "2777", "1777", "7777", "04755", "10000"):
            name = unique_name("mode")
            self.addCleanup(remove_shm_quietly, name)
            r = run_cli("create", name, "48144", "--mode", mode)
            self.assertEqual(r.returncode, 1, mode)
            self.assertRegex(r.stderr, r"^error: .*mode.*0777", mode)
            self.assertFalse(os.path.exists(shm_path(name)), mode)
        seg_key = "sysvkey:0x%x" % (0x4D570000 ^ (os.getpid() & 0xFFFF))
        r = run_cli("create", seg_key, "64", "--mode", "4600")
        self.assertEqual(r.returncode, 1, r.stdout)

    def test_mode_is_applied_exactly_whatever_the_umask(self):
        """The help says the umask is not applied: 0666 gives 0666 under umask 077."""
        name = unique_name("exact")
        self.addCleanup(remove_shm_quietly, name)
        old = os.umask(0o077)
        try:
            r = run_cli("create", name, "64", "--mode", "0666")
        finally:
            os.umask(old)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(shm_path(name)).st_mode), 0o666)
        r = run_cli("create", "--help")
        self.assertIn(b"umask", r.stdout)


if __name__ == "__main__":
    main()
