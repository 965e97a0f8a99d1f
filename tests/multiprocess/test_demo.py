"""`memview-cli demo` runs the demo producer until SIGINT/SIGTERM (or --seconds) and
removes its object at the end; other processes see it change meanwhile."""
import os
import re
import signal
import subprocess
import time
import unittest

from mp_common import CLI, PyShm, main, remove_shm_quietly, run_cli, shm_path, unique_name


class DemoTest(unittest.TestCase):
    def start(self, name, *extra):
        proc = subprocess.Popen([CLI, "demo", "--name", name, *extra], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        self.addCleanup(remove_shm_quietly, name)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        first = proc.stdout.readline()
        m = re.match(r"^demo: writing to (\S+) \((\d+) bytes\)", first)
        self.assertIsNotNone(m, first + proc.stderr.read() if proc.poll() is not None else first)
        return proc, m.group(1), int(m.group(2))

    def test_runs_until_sigterm_and_removes_object(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            name = unique_name("demo")
            proc, spec, size = self.start(name, "--seconds", "60")
            self.assertEqual(spec, "shm:/" + name)
            self.assertEqual(os.stat(shm_path(name)).st_size, size)
            # An independent reader sees the producer change the bytes.
            py = PyShm(name)
            try:
                first = py.bytes()
                changed = False
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline and not changed:
                    time.sleep(0.05)
                    changed = py.bytes() != first
                self.assertTrue(changed, "the demo producer wrote nothing in 5 s")
            finally:
                py.close(unlink=False)
            r = run_cli("watch", spec, "--count", "10", "--interval-ms", "60")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout.decode(), r"change 0x[0-9a-f]+ \d+ byte")
            proc.send_signal(sig)
            out, err = proc.communicate(timeout=10)
            self.assertEqual(proc.returncode, 0, err)
            self.assertIn("stopped", out)
            self.assertFalse(os.path.exists(shm_path(name)), "demo left its object behind")

    def test_stops_by_itself(self):
        name = unique_name("demo-sec")
        proc, _, _ = self.start(name, "--seconds", "1")
        started = time.monotonic()
        proc.communicate(timeout=15)
        self.assertEqual(proc.returncode, 0)
        self.assertLess(time.monotonic() - started, 10)
        self.assertFalse(os.path.exists(shm_path(name)))


if __name__ == "__main__":
    main()
