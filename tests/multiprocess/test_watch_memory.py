"""`watch` costs about one byte of memory per watched byte, for shared memory and for a
process's memory alike, and refuses a whole address space (pid:PID without a range) with a
hint instead of trying to hold terabytes. Peak memory is the kernel's VmHWM of the watch
process, read while another process writes the object as fast as it can."""
import ctypes
import os
import resource
import subprocess
import threading
import time
import unittest

from mp_common import CLI, PyShm, asan_build, main, remove_shm_quietly, run_cli, unique_name

SIZE = 64 << 20


def vm_hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def limit_address_space():
    # If watch tried to hold a whole address space it must fail here, not take the machine.
    # (AddressSanitizer reserves terabytes for its shadow: no limit there.)
    if not asan_build():
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


# AddressSanitizer's runtime, shadow (1/8) and quarantine (up to 256 MiB of freed blocks
# it holds back, filled faster the more change lines watch prints) add to what watch holds
# itself; a return to ~10 bytes per watched byte (640 MiB) still fails there.
ALLOWANCE = (320 << 20) if asan_build() else 0


class Writer(threading.Thread):
    """Changes a byte every 4 KiB across the buffer, as fast as it can."""

    def __init__(self, buf):
        super().__init__(daemon=True)
        self.buf = buf
        self.stop = False

    def run(self):
        n = 0
        while not self.stop:
            n = (n + 1) & 0xFF
            for off in range(0, len(self.buf), 1 << 16):
                self.buf[off] = n


class WatchMemoryTest(unittest.TestCase):
    def watch_peak(self, *args, seconds=4):
        proc = subprocess.Popen([CLI, "watch", *args, "--interval-ms", "20"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                preexec_fn=limit_address_space)
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
        reader.start()
        peak = 0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and proc.poll() is None:
            peak = max(peak, vm_hwm_kib(proc.pid))
            time.sleep(0.1)
        peak = max(peak, vm_hwm_kib(proc.pid)) if proc.poll() is None else peak
        proc.terminate()
        _, err = proc.communicate(timeout=20)
        reader.join(timeout=5)
        self.assertEqual(proc.returncode, 0, err)
        changes = sum(1 for l in lines if b" change 0x" in l)
        print("watch %s: peak RSS %.1f MiB, %d change lines" % (args[0], peak / 1024, changes))
        return peak * 1024, changes

    def test_shared_memory_costs_about_one_byte_per_byte(self):
        name = unique_name("watch-mem")
        py = PyShm(name, SIZE, create=True)
        self.addCleanup(remove_shm_quietly, name)
        self.addCleanup(py.close)
        writer = Writer(py.buf)
        writer.start()
        try:
            peak, changes = self.watch_peak(name)
        finally:
            writer.stop = True
            writer.join()
        self.assertGreater(changes, 0, "watch saw none of the writer's changes")
        # The mapping itself is shared memory the watch touches (counted in its RSS) plus
        # one byte per byte of its own: bounded by 2.5 bytes per watched byte.
        self.assertLess(peak, SIZE * 2.5 + ALLOWANCE, "watch peaked at %d MiB for a %d MiB window" %
                        (peak >> 20, SIZE >> 20))

    def test_process_memory_costs_about_one_byte_per_byte(self):
        buf = (ctypes.c_char * SIZE)()
        view = memoryview(buf).cast("B")
        view[0] = 1
        address = ctypes.addressof(buf)
        writer = Writer(view)
        writer.start()
        try:
            peak, changes = self.watch_peak("pid:%d@0x%x+0x%x" % (os.getpid(), address, SIZE))
        finally:
            writer.stop = True
            writer.join()
        self.assertGreater(changes, 0)
        self.assertLess(peak, SIZE * 1.5 + ALLOWANCE, "watch of a process peaked at %d MiB for %d MiB" %
                        (peak >> 20, SIZE >> 20))

    def test_a_whole_process_needs_a_range(self):
        r = subprocess.run([CLI, "watch", "pid:%d" % os.getpid(), "--count", "1"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=60, preexec_fn=limit_address_space)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertRegex(r.stderr, r"^error: .*whole address space.*regions pid:%d" % os.getpid())
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        # A range of it is fine.
        buf = ctypes.create_string_buffer(4096)
        r = run_cli("watch", "pid:%d@0x%x+4096" % (os.getpid(), ctypes.addressof(buf)),
                    "--count", "1")
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    main()
