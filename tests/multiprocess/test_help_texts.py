"""memview-cli's help names every kind of source this build has, from the backend
registry: the top-level help and the SPEC argument of every subcommand list pid: and gdb:
too, remove/create list only the kinds that can be removed/created, and who/who-writes
only the kinds they can look up in /proc."""
import re
import unittest

from mp_common import main, run_cli

OPENABLE = ["NAME", "shm:NAME", "file:PATH", "sysv:ID", "sysvkey:KEY", "pid:PID",
            "gdb:HOST:PORT"]


def help_of(*args):
    r = run_cli(*args, "--help")
    if r.returncode != 0:
        raise AssertionError(f"{args} --help: rc={r.returncode} {r.stderr}")
    # CLI11 wraps long descriptions: compare on one line of text.
    return re.sub(r"\s+", " ", r.stdout.decode())


class HelpTextsTest(unittest.TestCase):
    def test_top_level_lists_every_kind(self):
        text = help_of()
        for syntax in OPENABLE:
            self.assertIn(syntax, text)

    def test_every_spec_argument_lists_every_kind(self):
        for sub in ["dump", "info", "poke", "watch", "read", "write"]:
            text = help_of(sub)
            for syntax in OPENABLE:
                with self.subTest(sub=sub, syntax=syntax):
                    self.assertIn(syntax, text)

    def test_remove_and_create_list_what_they_support(self):
        remove = help_of("remove")
        for syntax in ["NAME", "shm:NAME", "sysv:ID"]:
            self.assertIn(syntax, remove)
        create = help_of("create")
        self.assertIn("shm:NAME", create)
        for text in (remove, create):
            self.assertNotIn("pid:PID", text)
            self.assertNotIn("gdb:HOST", text)

    def test_who_lists_the_kinds_it_can_look_up(self):
        for sub in ["who", "who-writes"]:
            text = help_of(sub)
            for syntax in ["NAME", "shm:NAME", "file:PATH", "sysv:ID", "sysvkey:KEY",
                           "pid:PID[@ADDR+LEN"]:
                with self.subTest(sub=sub, syntax=syntax):
                    self.assertIn(syntax, text)
            self.assertNotIn("gdb:HOST", text)


if __name__ == "__main__":
    main()
