#!/usr/bin/env python3
"""Drives memview-cli's bash completion (packaging/bash-completion/memview-cli) in a real
bash, as bash does on Tab: COMP_LINE/COMP_POINT/COMP_WORDS/COMP_CWORD set, the function
that `complete -p memview-cli` names called, COMPREPLY read back. The candidates are
checked against the real world: the subcommands and options the built memview-cli prints
in --help, a POSIX shared memory object this test creates, files in a temporary
directory, and a running child process.

  bash_completion_test.py --cli BIN --completion FILE
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
from multiprocessing import shared_memory

FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILURES.append(what)


class Bash:
    def __init__(self, completion, bindir):
        self.completion = completion
        self.env = {"PATH": f"{bindir}:/usr/bin:/bin", "HOME": "/nonexistent", "LC_ALL": "C"}

    def complete(self, line):
        """COMPREPLY for the cursor at the end of `line`, as bash would fill it."""
        script = f"""
source {shlex.quote(self.completion)}
line={shlex.quote(line)}
COMP_LINE=$line
COMP_POINT=${{#line}}
# bash's own split: COMP_WORDBREAKS characters (":", "=") are words of their own.
COMP_WORDS=()
while IFS= read -r w; do COMP_WORDS+=("$w"); done < <(
  printf '%s' "$line" | sed -E 's/([:=])/ \\1 /g' | tr -s ' ' '\\n' | sed '/^$/d')
case $line in *' ') COMP_WORDS+=("");; esac
[[ $line == *: ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
fn=$(complete -p memview-cli | sed -E 's/.*-F ([^ ]+).*/\\1/')
"$fn" memview-cli "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
        res = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], env=self.env,
                             capture_output=True, text=True, timeout=60)
        if res.returncode != 0:
            raise RuntimeError(f"bash failed on {line!r}: {res.stderr}")
        return [c for c in res.stdout.splitlines() if c]


def help_subcommands(cli):
    text = subprocess.run([cli, "--help"], capture_output=True, text=True, check=True).stdout
    block = re.search(r"^Subcommands:\n((?:  .*\n?)*)", text, re.M).group(1)
    return [line.split()[0] for line in block.splitlines() if line.strip()]


def help_options(cli, sub):
    text = subprocess.run([cli, sub, "--help"], capture_output=True, text=True, check=True).stdout
    names = set()
    for line in text.splitlines():
        m = re.match(r"^ {2,4}(-\S+)", line)
        if m:
            names.update(n for n in m.group(1).split(",") if n.startswith("-"))
    return names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--completion", required=True)
    args = ap.parse_args()
    cli = os.path.abspath(args.cli)

    with tempfile.TemporaryDirectory(prefix="memview-completion-") as tmp:
        bindir = os.path.join(tmp, "bin")
        os.mkdir(bindir)
        os.symlink(cli, os.path.join(bindir, "memview-cli"))  # found on PATH by name
        data = os.path.join(tmp, "data")
        os.mkdir(data)
        for f in ("state.bin", "struct.h", "other.txt"):
            open(os.path.join(data, f), "w").close()
        os.mkdir(os.path.join(data, "subdir"))
        name = f"mvcomp_{os.getpid()}"
        shm = shared_memory.SharedMemory(name=name, create=True, size=4096)
        child = subprocess.Popen(["sleep", "60"])
        bash = Bash(os.path.abspath(args.completion), bindir)
        try:
            subs = help_subcommands(cli)
            got = bash.complete("memview-cli ")
            check(got == subs, f"subcommands: {got} == --help's {subs}")
            check(bash.complete("memview-cli who-w") == ["who-writes"], "a subcommand prefix")
            got = set(bash.complete("memview-cli dump --"))
            want = {o for o in help_options(cli, "dump") if o.startswith("--")}
            check(got == want, f"dump's long options: {sorted(got)} == {sorted(want)}")
            got = bash.complete("memview-cli poke x 0 --u")
            check(set(got) == {"--u8", "--u16", "--u32", "--u64"}, f"poke --u: {got}")
            check(bash.complete("memview-cli dump x --format ") == ["hex", "raw"],
                  "--format's choices")
            got = bash.complete("memview-cli dump ")
            check(name in got and "file:" in got and "pid:" in got,
                  f"a spec: shm names and schemes ({len(got)} candidates)")
            check(bash.complete(f"memview-cli info {name[:-2]}") == [name],
                  "a /dev/shm name by prefix")
            # After "shm:" bash replaces only what follows the colon.
            check(bash.complete(f"memview-cli watch shm:{name[:-1]}") == [name],
                  "shm:NAME by prefix")
            got = bash.complete(f"memview-cli dump file:{data}/sta")
            check(got == [f"{data}/state.bin"], f"file:PATH: {got}")
            got = bash.complete(f"memview-cli dump file:{data}/su")
            check(got == [f"{data}/subdir/"], f"file: a directory ends in '/': {got}")
            got = bash.complete(f"memview-cli regions pid:{child.pid}")
            check(str(child.pid) in got, f"pid: the running child {child.pid} in {got[:5]}")
            check(all(c.isdigit() for c in got), "pid: candidates are pids")
            got = bash.complete(f"memview-cli layout --header {data}/str")
            check(got == [f"{data}/struct.h"], f"--header completes files: {got}")
            got = bash.complete(f"memview-cli layout -I {data}/")
            check(got == [f"{data}/subdir"], f"-I completes directories: {got}")
            check(bash.complete("memview-cli no.such x") == [], "an unknown subcommand: nothing")
            got = bash.complete(f"memview-cli poke {name} ")
            check(got == [], f"the offset after a spec gets no candidates: {got}")
        finally:
            child.kill()
            child.wait()
            shm.close()
            shm.unlink()
    print(f"{'FAILED' if FAILURES else 'passed'}: {len(FAILURES)} failures")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
