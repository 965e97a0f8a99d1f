"""who / who-writes as an unprivileged user (setpriv to 'nobody', every capability dropped):
watching one's own processes works; another user's processes give the explanatory errors
(whose maps cannot be inspected, CAP_SYS_PTRACE), and so does perf_event_paranoid where
the kernel enforces it. Needs root to switch users; skipped (with the reason) otherwise."""
import json
import os
import unittest

from mp_common import main, remove_shm_quietly, unique_name
from who_common import Target, WhoWrites, by_function, nobody, run, skip_unless_breakpoints_fire

USER = nobody()
PARANOID = "/proc/sys/kernel/perf_event_paranoid"


def needs_root(test):
    def wrapper(self):
        if os.geteuid() != 0:
            self.skipTest("switching to 'nobody' needs root")
        if USER is None:
            self.skipTest("there is no 'nobody' user")
        rc, out, err = run("who", "--help", user=USER)
        if rc != 0:
            self.skipTest("'nobody' cannot run memview-cli (a noexec /tmp?): " + err)
        return test(self)
    wrapper.__doc__ = test.__doc__
    wrapper.__name__ = test.__name__
    return wrapper


class Permissions(unittest.TestCase):
    @needs_root
    def test_own_process_works_without_privileges(self):
        skip_unless_breakpoints_fire(self)
        t = Target("global", user=USER)
        try:
            spec = "pid:%d@%#x+8" % (t.pid, t.addr)
            w = WhoWrites(spec, hex(t.addr), "--json", user=USER)
            self.assertTrue(w.attached, w.err_lines)
            t.send("alpha 2000")
            t.send("beta 3000")
            done = t.done_counts(2)
            rc, out, err = w.stop()
            self.assertEqual(rc, 0, err)
            j = json.loads(out)
            f = by_function(j)
            self.assertEqual({k: v[0] for k, v in f.items()},
                             {"writer_alpha": done["alpha"], "writer_beta": done["beta"]})
        finally:
            t.close()

    @needs_root
    def test_another_users_shm_writer(self):
        name = unique_name("who-perm")
        writer = Target("shm", name)  # root's
        try:
            rc, out, err = run("who", name, "--json", user=USER)
            self.assertEqual(rc, 0, err)
            j = json.loads(out)
            self.assertEqual(j["processes"], [], "nobody cannot see into root's maps")
            un = {u["pid"]: u for u in j["uninspected"]}
            self.assertIn(writer.pid, un)
            self.assertEqual(un[writer.pid]["user"], "root")
            self.assertIn("owned by root", un[writer.pid]["reason"])
            self.assertIn("CAP_SYS_PTRACE", un[writer.pid]["reason"])
            self.assertIn("could not be inspected", j["uninspected_summary"])

            rc, out, err = run("who-writes", name, "0x40", "--duration", "1", user=USER)
            self.assertEqual(rc, 1, out)
            self.assertEqual(out, "")
            self.assertTrue(err.startswith("error: "), err)
            self.assertIn("no process that maps shm:/%s could be watched" % name, err)
            self.assertIn("could not be inspected", err)
            self.assertIn("CAP_SYS_PTRACE", err)
            self.assertIn("run memview as root or as the user", err)
        finally:
            writer.close()
            remove_shm_quietly(name)

    @needs_root
    def test_another_users_process(self):
        t = Target("global")  # root's
        try:
            spec = "pid:%d@%#x+8" % (t.pid, t.addr)
            rc, out, err = run("who-writes", spec, hex(t.addr), "--duration", "1", user=USER)
            self.assertEqual(rc, 1, out)
            self.assertTrue(err.startswith("error: cannot watch process %d: it belongs to user root" % t.pid),
                            err)
            self.assertIn("CAP_SYS_PTRACE", err)
            self.assertIn("setcap", err)
        finally:
            t.close()

    @needs_root
    def test_perf_event_paranoid(self):
        """Debian's kernels refuse unprivileged perf events at perf_event_paranoid 3 (a patch
        upstream kernels lack: they treat 3 as 2)."""
        skip_unless_breakpoints_fire(self)
        try:
            with open(PARANOID) as f:
                saved = f.read().strip()
        except OSError:
            self.skipTest("no " + PARANOID)
        t = Target("global", user=USER)
        try:
            with open(PARANOID, "w") as f:
                f.write("3")
            spec = "pid:%d@%#x+8" % (t.pid, t.addr)
            rc, out, err = run("who-writes", spec, hex(t.addr), "--duration", "0.2", user=USER)
        finally:
            with open(PARANOID, "w") as f:
                f.write(saved)
            t.close()
        if rc == 0:
            print("this kernel ignores perf_event_paranoid 3 for user-space breakpoints "
                  "(no Debian restriction patch): the message is checked by the unit tests")
            return
        self.assertEqual(rc, 1)
        self.assertIn("perf_event_paranoid is 3", err)
        self.assertIn("CAP_PERFMON", err)


if __name__ == "__main__":
    main()
