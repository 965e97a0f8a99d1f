"""The owner truncates and then unlinks the object while `watch` polls it: watch reports
the resize and the removal and exits cleanly (exit 0, no SIGBUS)."""
import re
import subprocess
import time
import unittest

from mp_common import CLI, Peer, main, remove_shm_quietly, unique_name
from test_watch import Watch


class ShrinkTest(unittest.TestCase):
    def owner(self, size):
        name = unique_name("shrink")
        peer = Peer("owner", "/" + name, size)
        self.addCleanup(remove_shm_quietly, name)
        self.addCleanup(peer.close)
        return name, peer

    def test_truncate_then_unlink_whole_object(self):
        name, peer = self.owner(65536)
        watch = Watch(name, "--interval-ms", "5")
        self.addCleanup(watch.kill)
        time.sleep(0.2)
        peer.command("write 65000 0102")
        self.assertTrue(watch.wait_for(lambda _: watch.changes()), watch.snapshot())
        peer.command("truncate 4096")
        self.assertTrue(watch.wait_for(lambda lines: any("resized" in l for l in lines)),
                        watch.snapshot())
        peer.command("write 100 77")  # still inside the object: seen after the shrink
        self.assertTrue(watch.wait_for(lambda _: len(watch.changes()) >= 2), watch.snapshot())
        peer.command("unlink")
        rc, err = watch.finish()
        lines = watch.snapshot()
        self.assertEqual(rc, 0, f"{err} {lines}")
        self.assertTrue(any(re.match(r"^\+\d+\.\d+s resized 65536 -> 4096 bytes$", l)
                            for l in lines), lines)
        self.assertTrue(any(re.match(r"^\+\d+\.\d+s removed", l) for l in lines), lines)
        self.assertEqual(watch.changes()[1], (100, 1, "00", "77"))
        self.assertEqual(err, "")

    def test_window_past_the_new_end(self):
        # The watched window lies entirely past the new end: it becomes unreadable, which
        # would be a SIGBUS for a plain memcpy.
        name, peer = self.owner(65536)
        watch = Watch(name, "--offset", "0x8000", "--length", "0x1000", "--interval-ms", "2")
        self.addCleanup(watch.kill)
        time.sleep(0.2)
        peer.command("truncate 0")
        self.assertTrue(watch.wait_for(lambda lines: any("unreadable" in l for l in lines)),
                        watch.snapshot())
        peer.command("unlink")
        rc, err = watch.finish()
        lines = watch.snapshot()
        self.assertEqual(rc, 0, f"{err} {lines}")
        self.assertTrue(any("resized 65536 -> 0 bytes" in l for l in lines), lines)
        self.assertTrue(any(re.match(r"^\+\d+\.\d+s removed", l) for l in lines), lines)

    def test_rapid_shrink_and_unlink_races(self):
        # No pauses: truncation and unlink land at random points of watch's polls.
        for i in range(15):
            name, peer = self.owner(1 << 20)
            watch = Watch(name, "--interval-ms", "0")
            peer.command(f"truncate {(i * 4099) % 8192}")
            peer.command("unlink")
            rc, err = watch.finish()
            watch.kill()
            lines = watch.snapshot()
            self.assertEqual(rc, 0, f"round {i}: rc={rc} {err} {lines[-5:]}")
            self.assertTrue(any(re.match(r"^\+\d+\.\d+s removed", l) for l in lines), lines[-5:])
            peer.command("exit")


if __name__ == "__main__":
    main()
