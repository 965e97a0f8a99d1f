#!/usr/bin/env python3
"""Windows tests of memview under wine: a plain Win32 two-process example against the real
memview-cli.exe and memview.exe (cross-built with mingw-w64).

Everything runs in ONE Xvfb session with one wineserver and a private WINEPREFIX under the
build tree (a wineserver started without a display breaks later GLFW window creation).
The peers are that example's programs (seed_creator.exe: CreateFileMapping +
MapViewOfFile with a counter running; seed_opener.exe: OpenFileMapping + MapViewOfFile).

  wine_tests.py --build BUILD_DIR [-k PATTERN]

Ends with the line "N passed, N failed"; exit status 1 when anything failed.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from xvfb import start_xvfb  # noqa: E402

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def log(msg):
    print(f"[wine] {msg}", flush=True)


class Check(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Check(what)


def wait_for(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise Check(f"timed out after {timeout} s waiting for {what}")


def winpath(path):
    """A Linux path as wine's Z: drive sees it."""
    return "Z:" + os.path.abspath(path).replace("/", "\\")


class Env:
    def __init__(self, build):
        self.build = os.path.abspath(build)
        self.bin = {
            "cli": os.path.join(self.build, "app", "cli", "memview-cli.exe"),
            "gui": os.path.join(self.build, "app", "gui", "memview.exe"),
            "creator": os.path.join(self.build, "tests", "windows", "seed_creator.exe"),
            "opener": os.path.join(self.build, "tests", "windows", "seed_opener.exe"),
            "core": os.path.join(self.build, "tests", "windows", "win32_core_test.exe"),
        }
        self.out = os.path.join(self.build, "test-output")
        os.makedirs(self.out, exist_ok=True)
        self.prefix = os.path.join(self.build, "wine-prefix")
        self.env = dict(os.environ)
        self.env.update({
            "WINEPREFIX": self.prefix,
            "WINEDEBUG": "-all",
            "WINEARCH": "win64",
            # No Mono/Gecko installers (nothing here needs .NET or a browser).
            "WINEDLLOVERRIDES": "mscoree,mshtml=",
        })
        self.xvfb = None
        self.peers = []

    # -- session ------------------------------------------------------------------------
    def start(self):
        self.xvfb, display = start_xvfb()
        self.env["DISPLAY"] = display
        self.env.pop("WAYLAND_DISPLAY", None)
        log(f"Xvfb on {self.env['DISPLAY']}, WINEPREFIX={self.prefix}")
        # One persistent wineserver for the whole session, started with the display set.
        t0 = time.time()
        os.makedirs(self.prefix, exist_ok=True)
        # A wineserver left from an earlier run may have started without this display.
        subprocess.run(["wineserver", "-k"], env=self.env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        subprocess.run(["wineserver", "-w"], env=self.env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30)
        subprocess.run(["wineserver", "-p"], env=self.env, check=True)
        subprocess.run(["wine", "cmd", "/c", "exit"], env=self.env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=180)
        log(f"wine prefix ready in {time.time() - t0:.1f} s")

    def stop(self):
        for p in self.peers:
            if p.proc.poll() is None:
                p.proc.kill()
        subprocess.run(["wineserver", "-k"], env=self.env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        subprocess.run(["wineserver", "-w"], env=self.env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30)
        if self.xvfb:
            self.xvfb.kill()
            self.xvfb.wait()

    # -- programs -----------------------------------------------------------------------
    def run(self, which, *args, timeout=60, check_rc=None):
        res = self._run_once(which, args, timeout)
        if res.returncode != 0 and not res.stdout and not res.stderr:
            # Neither memview-cli nor the example's programs ever fail without a message;
            # a silent failure is wine's loader (seen in CI: exit 1 in under 50 ms, once in
            # a few hundred starts). Run it once more, with wine's own errors shown.
            log(f"{which} {' '.join(args)}: exited {res.returncode} silently; retrying once")
            res = self._run_once(which, args, timeout, winedebug="err+all")
        res.out = res.stdout.decode(errors="replace")
        res.err = res.stderr.decode(errors="replace")
        if check_rc is not None and res.returncode != check_rc:
            raise Check(f"{which} {' '.join(args)} exited {res.returncode}: {res.err.strip()}")
        return res

    def _run_once(self, which, args, timeout, winedebug=None):
        env = self.env if winedebug is None else dict(self.env, WINEDEBUG=winedebug)
        return subprocess.run(["wine", self.bin[which], *args], env=env, capture_output=True,
                              timeout=timeout)

    def cli(self, *args, **kw):
        return self.run("cli", *args, **kw)

    def ensure_seed(self):
        """The creating process on MyFileMappingObject, started once and kept running."""
        if getattr(self, "seed", None) is None or self.seed.proc.poll() is not None:
            self.seed = self.creator(SEED)
        return self.seed

    def creator(self, name, *args):
        p = Peer(self, ["wine", self.bin["creator"], name, *args])
        self.peers.append(p)
        p.wait_line("ready", 60)
        return p


class Peer:
    """A long-running wine program whose stdout lines are collected in the background."""

    def __init__(self, env, argv):
        self.proc = subprocess.Popen(argv, env=env.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.lines = []
        self.err = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines),
                         daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.err),
                         daemon=True).start()

    @staticmethod
    def _pump(stream, into):
        for raw in stream:
            into.append(raw.decode(errors="replace").rstrip("\r\n"))

    def wait_line(self, line, timeout):
        def seen():
            if self.proc.poll() is not None and line not in self.lines:
                time.sleep(0.5)  # let the reader threads collect the last output
                raise Check(f"peer exited {self.proc.returncode}: {' '.join(self.err)} "
                            f"{' '.join(self.lines)}")
            return line in self.lines
        wait_for(seen, timeout, f"peer line {line!r} (has {self.lines[-5:]})")


def hexdump_bytes(text, offset, length):
    """Bytes at [offset, offset+length) from `hexdump -C` style output."""
    found = {}
    for line in text.splitlines():
        m = re.match(r"^([0-9a-f]{8})  ((?:[0-9a-f]{2} {1,2}){1,16})", line)
        if not m:
            continue
        base = int(m.group(1), 16)
        for i, h in enumerate(m.group(2).split()):
            found[base + i] = int(h, 16)
    if not all(offset + i in found for i in range(length)):
        raise Check(f"no bytes at 0x{offset:x}+{length} in dump:\n{text}")
    return bytes(found[offset + i] for i in range(length))


SEED = "MyFileMappingObject"


# ---------------------------------------------------------------------------------------
# tests (in order; the creating process keeps running from the first to the GUI test)
# ---------------------------------------------------------------------------------------

@test
def not_found_is_one_clear_error(e):
    r = e.cli("dump", "NoSuchMappingHere")
    check(r.returncode != 0, "dump of a missing name succeeded")
    check(r.err.startswith("error:") and len(r.err.strip().splitlines()) == 1,
          f"expected one 'error:' line, got {r.err!r}")
    check("no file mapping named 'NoSuchMappingHere'" in r.err, f"unclear message: {r.err!r}")
    r = e.cli("info", "win:Local\\NoSuchMappingHere")
    check(r.returncode != 0 and "no file mapping named" in r.err, f"Local\\ missing: {r.err!r}")
    for bad, why in [("a\\b", "backslash"), ("Global\\", "no name")]:
        r = e.cli("dump", bad)
        check(r.returncode != 0 and r.err.startswith("error:") and why in r.err,
              f"bad name {bad!r}: {r.err!r}")


@test
def seed_creator_data_reaches_cli(e):
    e.ensure_seed()
    r = e.cli("dump", SEED, "--length", "32", check_rc=0)
    check(hexdump_bytes(r.out, 0, 12) == b"memview seed", f"magic not seen:\n{r.out}")
    c1 = int.from_bytes(hexdump_bytes(r.out, 0x10, 4), "little")
    time.sleep(0.3)
    r = e.cli("dump", SEED, "--offset", "0x10", "--length", "4", check_rc=0)
    c2 = int.from_bytes(hexdump_bytes(r.out, 0x10, 4), "little")
    check(c2 > c1, f"counter did not advance between two dumps ({c1} -> {c2})")
    # The same object through the explicit scheme and the session namespace prefix.
    for spec in (f"win:{SEED}", f"Local\\{SEED}"):
        r = e.cli("dump", spec, "--length", "16", check_rc=0)
        check(hexdump_bytes(r.out, 0, 12) == b"memview seed", f"{spec}: magic not seen")
    # Raw output is the bytes, unchanged (no text-mode newline translation).
    raw = subprocess.run(["wine", e.bin["cli"], "dump", SEED, "--length", "4096", "--format", "raw"],
                         env=e.env, capture_output=True, timeout=60)
    check(raw.returncode == 0 and len(raw.stdout) == 4096 and raw.stdout[:12] == b"memview seed",
          f"raw dump: rc {raw.returncode}, {len(raw.stdout)} bytes")


@test
def info_says_size_is_page_rounded(e):
    e.ensure_seed()
    r = e.cli("info", SEED, "--json", check_rc=0)
    j = json.loads(r.out)
    check(j.get("size") == 4096, f"size {j.get('size')}")
    check(j.get("size_exact") is False, "an opener cannot know the exact size: size_exact")
    check(j.get("writable") is True, f"not writable: {j.get('read_only_reason')}")
    check(j.get("kind") == "win", f"kind {j.get('kind')}")
    r = e.cli("info", SEED, check_rc=0)
    check("page" in r.out, f"text info does not say the size is page-rounded:\n{r.out}")


@test
def cli_poke_reaches_both_seed_processes(e):
    e.ensure_seed()
    e.cli("poke", SEED, "0x40", "deadbeef", check_rc=0)
    e.seed.wait_line("inbox 0xefbeadde", 10)  # the creator's view (u32, little endian)
    r = e.run("opener", SEED, "read", "0x40", "4", check_rc=0)  # OpenFileMapping's view
    check(r.out.strip() == "deadbeef", f"opener reads {r.out.strip()}")
    e.cli("poke", SEED, "0x44", "--u32", "0x01020304", check_rc=0)
    r = e.run("opener", SEED, "read", "0x44", "4", check_rc=0)
    check(r.out.strip() == "04030201", f"typed poke: opener reads {r.out.strip()}")


@test
def opener_write_reaches_cli(e):
    e.ensure_seed()
    e.run("opener", SEED, "write", "0x80", "cafebabe", check_rc=0)
    r = e.cli("dump", SEED, "--offset", "0x80", "--length", "4", check_rc=0)
    check(hexdump_bytes(r.out, 0x80, 4) == bytes.fromhex("cafebabe"), f"dump:\n{r.out}")


@test
def watch_reports_changes_from_both_peers(e):
    e.ensure_seed()
    # The running counter (+1 every 10 ms): every poll after the first sees a change.
    r = e.cli("watch", SEED, "--offset", "0x10", "--length", "4", "--interval-ms", "50",
              "--count", "6", timeout=60, check_rc=0)
    changes = [l for l in r.out.splitlines() if re.search(r" change 0x0+1[0-3] ", l)]
    check(len(changes) >= 3, f"watch printed {r.out!r}")
    # A write by the opening process while watch polls: written again with a new
    # value until watch has seen one (its first poll is only the baseline).
    w = subprocess.Popen(["wine", e.bin["cli"], "watch", SEED, "--offset", "0x90", "--length", "4",
                          "--interval-ms", "20", "--count", "250"], env=e.env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # 250 polls of 20 ms: about 5 s; written once a second (the first write may land
    # before watch's baseline poll).
    written = []
    for i in range(3):
        time.sleep(1.0)
        value = f"1122{i:04x}"
        e.run("opener", SEED, "write", "0x90", value, check_rc=0)
        written.append(value)
    out, err = w.communicate(timeout=60)
    check(w.returncode == 0, f"watch exited {w.returncode}: {err.decode(errors='replace')}")
    out = out.decode(errors="replace")
    seen = [v for v in written if f"-> {v[4:6]} {v[6:8]}" in out or f"-> {v[6:8]}" in out]
    check(len(seen) >= 2, f"watch did not show the peer's values {written}: {out!r}")


@test
def list_shows_the_seed_mapping(e):
    e.ensure_seed()
    r = e.cli("list", "--json", check_rc=0)
    objs = json.loads(r.out)
    names = {o.get("name"): o for o in objs}
    check(SEED in names, f"{SEED} not listed: {sorted(names)}")
    check(names[SEED].get("size") == 4096, f"listed size {names[SEED].get('size')}")
    check(names[SEED].get("spec") == f"win:{SEED}", f"listed spec {names[SEED].get('spec')}")


@test
def create_does_not_take_over_an_existing_mapping(e):
    e.ensure_seed()
    r = e.cli("create", SEED, "4096")
    check(r.returncode != 0 and "already exists" in r.err, f"create over the creator's mapping: {r.err!r}")
    r = e.cli("remove", SEED)
    check(r.returncode != 0 and "last process" in r.err, f"remove: {r.err!r}")


@test
def cli_create_holds_the_mapping_like_the_seed(e):
    name = "memview-wine-created"
    p = Peer(e, ["wine", e.bin["cli"], "create", name, "5000"])
    e.peers.append(p)
    wait_for(lambda: any("keeping it" in l for l in p.lines), 60, f"create: {p.lines} {p.err}")
    check(any(l.startswith(f"created win:{name} (5000 bytes") for l in p.lines), f"{p.lines}")
    e.run("opener", name, "write", "0x10", "5eed", check_rc=0)  # the opening process
    r = e.cli("dump", name, "--offset", "0x10", "--length", "2", check_rc=0)
    check(hexdump_bytes(r.out, 0x10, 2) == bytes.fromhex("5eed"), f"dump:\n{r.out}")
    # SIGINT becomes wine's Ctrl-C event: create ends cleanly and the mapping is gone.
    p.proc.send_signal(signal.SIGINT)
    try:
        rc = p.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.proc.kill()
        raise Check("create did not end on Ctrl-C")
    check(rc == 0, f"create exited {rc} on Ctrl-C")
    r = e.cli("dump", name)
    check(r.returncode != 0 and "no file mapping named" in r.err, f"after create ended: {r.err!r}")


@test
def global_namespace(e):
    name = "Global\\memview-wine-global"
    p = e.creator(name)
    r = e.cli("dump", name, "--length", "16", check_rc=0)
    check(hexdump_bytes(r.out, 0, 12) == b"memview seed", f"Global\\ dump:\n{r.out}")
    e.cli("poke", name, "0x60", "01", check_rc=0)  # quit flag
    p.wait_line("bye", 10)


@test
def file_backed_mapping(e):
    path = os.path.join(e.out, "seed-file.bin")
    if os.path.exists(path):
        os.remove(path)
    name = "MyFileMappingObjectFile"
    p = e.creator(name, "--file", winpath(path), "--size", "8192")
    # By the mapping's name...
    r = e.cli("dump", name, "--length", "16", check_rc=0)
    check(hexdump_bytes(r.out, 0, 12) == b"memview seed", "named file mapping: magic not seen")
    # ... and by the file itself: exact size, and a poke the creator sees.
    spec = "file:" + winpath(path)
    j = json.loads(e.cli("info", spec, "--json", check_rc=0).out)
    check(j.get("size") == 8192 and j.get("size_exact") is True, f"file info {j}")
    e.cli("poke", spec, "0x40", "0badf00d", check_rc=0)
    p.wait_line("inbox 0x0df0ad0b", 10)
    e.cli("poke", name, "0x60", "01", check_rc=0)
    p.wait_line("bye", 10)
    # The bytes reached the file on disk.
    with open(path, "rb") as f:
        data = f.read()
    check(len(data) == 8192 and data[0x40:0x44] == bytes.fromhex("0badf00d"),
          "file on disk does not hold the poked bytes")


@test
def pid_source_reads_and_writes_the_seed_process(e):
    seed = e.ensure_seed()
    line = next(l for l in seed.lines if l.startswith("view "))
    _, view, _, pid = line.split()
    view = int(view, 16)
    spec = f"pid:{pid}@0x{view:x}+4096"
    r = e.cli("dump", spec, "--length", "16", check_rc=0)
    check(f"{view:08x}  6d 65 6d 76" in r.out, f"pid: dump of the creator's view:\n{r.out}")
    # Addresses of a pid: source are the process's virtual addresses.
    e.cli("poke", spec, f"0x{view + 0x40:x}", "a1b2c3d4", check_rc=0)
    seed.wait_line("inbox 0xd4c3b2a1", 10)
    r = e.cli("regions", f"pid:{pid}", check_rc=0)
    check(any(l.lower().startswith(f"{view:016x}") for l in r.out.splitlines()),
          f"regions does not list the view at 0x{view:x}:\n{r.out[:800]}")
    r = e.cli("dump", "pid:4000000000")
    check(r.returncode != 0 and "no process with id" in r.err, f"missing pid: {r.err!r}")


@test
def demo_producer_runs_on_a_win32_mapping(e):
    p = Peer(e, ["wine", e.bin["cli"], "demo"])
    e.peers.append(p)
    wait_for(lambda: any("win:memview-demo" in l for l in p.lines), 60, f"demo start {p.lines}")
    r = e.cli("dump", "memview-demo", "--length", "16", check_rc=0)
    check(hexdump_bytes(r.out, 0, 7) == b"MEMVIEW", f"demo mapping:\n{r.out}")
    p.proc.kill()
    p.proc.wait(timeout=20)


@test
def find_regex_is_not_available_without_pcre2(e):
    e.ensure_seed()
    # No PCRE2 in the Windows build: --regex says so the way layouts without libclang do.
    r = e.cli("find", SEED, "--regex", "inbox[0-9]+")
    check(r.returncode != 0 and r.err.startswith("error:") and "not available in this build" in r.err,
          f"find --regex without PCRE2: {r.err!r}")


@test
def layouts_come_from_json_not_libclang(e):
    e.ensure_seed()
    here = os.path.dirname(os.path.abspath(__file__))
    header = os.path.join(here, "seed_layout.h")
    layout = os.path.join(here, "seed_layout.json")
    if e.linux_cli:
        # Computed on Linux by libclang right now, as a user would.
        layout = os.path.join(e.out, "seed_layout.json")
        res = subprocess.run([e.linux_cli, "layout", "--header", header, "--type", "struct seed",
                              "--json", "--full"], capture_output=True, timeout=60)
        check(res.returncode == 0, f"Linux layout export failed: {res.stderr!r}")
        with open(layout, "wb") as f:
            f.write(res.stdout)
    # No libclang in the Windows build: one clear message.
    r = e.cli("layout", "--header", winpath(header), "--type", "struct seed")
    check(r.returncode != 0 and r.err.startswith("error:") and "not available in this build" in r.err,
          f"layout without libclang: {r.err!r}")
    # The exported JSON layout works on the live mapping.
    r = e.cli("write", SEED, "12345678", "--layout-json", winpath(layout), "--field", "inbox",
              check_rc=0)
    e.seed.wait_line(f"inbox 0x{12345678:08x}", 10)
    r = e.cli("read", SEED, "--layout-json", winpath(layout), "--json", check_rc=0)
    text = r.out
    check("memview seed" in text and "12345678" in text, f"read with the JSON layout: {text}")


@test
def gui_edit_reaches_the_other_process(e):
    e.ensure_seed()
    if not os.path.exists(e.bin["gui"]):
        raise Check("memview.exe was not built")
    log_path = os.path.join(e.out, "memview-gui.log")
    app = subprocess.Popen(["wine", e.bin["gui"], SEED], env=e.env,
                           stdout=open(log_path, "w"), stderr=subprocess.STDOUT)
    try:
        # Wait for the window (the first window of a fresh prefix can take ~10 s).
        res = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", "memview"],
                             env=e.env, capture_output=True, text=True, timeout=90)
        check(res.returncode == 0 and res.stdout.strip(), f"no memview window: {res.stderr}")
        wid = res.stdout.split()[0]
        title = subprocess.run(["xdotool", "getwindowname", wid], env=e.env, capture_output=True,
                               text=True).stdout.strip()
        log(f"window {wid}: {title}")
        subprocess.run(["xdotool", "windowactivate", "--sync", wid], env=e.env,
                       capture_output=True, timeout=10)
        subprocess.run(["xdotool", "windowfocus", "--sync", wid], env=e.env,
                       capture_output=True, timeout=10)
        time.sleep(1.0)

        def xdo(*args):
            subprocess.run(["xdotool", *args], env=e.env, check=True, timeout=30)

        xdo("key", "ctrl+g")
        xdo("type", "0x100")
        xdo("key", "Return")
        xdo("type", "c0ffee42")
        r = e.run("opener", SEED, "wait", "0x100", "c0ffee42", "20", timeout=60)
        shot = os.path.join(e.out, "memview-wine.png")
        for target in (wid, "root"):
            res = subprocess.run(["import", "-window", target, shot], env=e.env,
                                 capture_output=True, timeout=30)
            if res.returncode == 0:
                break
        check(r.returncode == 0, f"the other process sees {r.out.strip()} at 0x100, not c0ffee42")
        check(os.path.exists(shot) and os.path.getsize(shot) > 0, "no screenshot")
        log(f"screenshot {shot}")
        xdo("key", "ctrl+q")
        try:
            app.wait(timeout=20)
        except subprocess.TimeoutExpired:
            raise Check("memview.exe did not quit on Ctrl+Q")
    finally:
        if app.poll() is None:
            app.kill()


@test
def seed_creator_stops_on_a_poked_flag(e):
    e.ensure_seed()
    e.cli("poke", SEED, "0x60", "01", check_rc=0)
    e.seed.wait_line("bye", 10)
    check(e.seed.proc.wait(timeout=20) == 0, "seed_creator did not exit cleanly")
    # Gone with its last handle: now the name does not exist.
    r = e.cli("dump", SEED)
    check(r.returncode != 0 and "no file mapping named" in r.err, f"after exit: {r.err!r}")


@test
def zip_unpacked_in_a_clean_directory_runs(e):
    """The release zip (scripts/build-windows --package) as a user gets it: unpacked into an
    empty directory, its memview-cli.exe prints its version and takes part in the seed
    example next to seed_creator.exe / seed_opener.exe."""
    if not e.zip:
        log("no --zip given (scripts/build-windows --package --test packages one): skipped")
        return
    version = re.search(r"memview-(\d+\.\d+\.\d+)-windows", os.path.basename(e.zip)).group(1)
    top = f"memview-{version}-windows-x86_64"
    clean = tempfile.mkdtemp(prefix="zip-", dir=e.out)
    try:
        with zipfile.ZipFile(e.zip) as z:
            names = sorted(z.namelist())
            z.extractall(clean)
        want = sorted(f"{top}/{n}" for n in ("LICENSE.txt", "README.md", "memview-cli.exe",
                                               "memview.exe", "windows.md"))
        check(names == want, f"zip holds {names}, expected {want}")
        cli = os.path.join(clean, top, "memview-cli.exe")

        def run(*args):
            return subprocess.run(["wine", cli, *args], env=e.env, cwd=os.path.dirname(cli),
                                  capture_output=True, timeout=60)
        r = run("--version")
        out = r.stdout.decode(errors="replace").strip()
        check(r.returncode == 0 and out == f"memview-cli {version}",
              f"--version: rc {r.returncode}, {out!r}")
        e.ensure_seed()
        r = run("dump", SEED, "--length", "16")
        check(r.returncode == 0, f"dump: {r.stderr.decode(errors='replace')}")
        check(hexdump_bytes(r.stdout.decode(), 0, 12) == b"memview seed", "magic not seen")
        r = run("poke", SEED, "0x48", "c0ffee11")
        check(r.returncode == 0, f"poke: {r.stderr.decode(errors='replace')}")
        r = e.run("opener", SEED, "read", "0x48", "4", check_rc=0)
        check(r.out.strip() == "c0ffee11", f"seed_opener reads {r.out.strip()}")
    finally:
        shutil.rmtree(clean, ignore_errors=True)


def run_core_tests(e):
    """win32_core_test.exe: one result per PASS/FAIL line."""
    r = e.run("core", timeout=120)
    results = []
    for line in r.out.splitlines():
        m = re.match(r"^(PASS|FAIL|SKIP) (\S+)(?:: (.*))?$", line.strip())
        if m:
            ok = None if m.group(1) == "SKIP" else m.group(1) == "PASS"
            results.append((m.group(2), ok, m.group(3) or ""))
    if r.returncode != 0 and all(ok is not False for _, ok, _ in results):
        results.append(("win32_core_test", False, f"exited {r.returncode}: {r.err.strip()}"))
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("-k", default="", help="run only tests whose name contains this")
    ap.add_argument("--linux-cli", default="",
                    help="a Linux memview-cli with libclang, to export the JSON layout afresh")
    ap.add_argument("--zip", default="", help="the release zip to unpack and run")
    args = ap.parse_args()
    e = Env(args.build)
    e.zip = os.path.abspath(args.zip) if args.zip else ""
    e.linux_cli = args.linux_cli if args.linux_cli and os.path.exists(args.linux_cli) else ""
    for which, path in e.bin.items():
        if which != "gui" and not os.path.exists(path):
            print(f"error: {path} missing (build with scripts/build-windows --test)", file=sys.stderr)
            return 2
    passed = failed = 0
    t0 = time.time()
    try:
        e.start()
        for name, ok, why in run_core_tests(e):
            if args.k not in name:
                continue
            passed += ok is True
            failed += ok is False
            word = "SKIP" if ok is None else "PASS" if ok else "FAIL"
            log(f"{word} core: {name}{': ' + why if why else ''}")
        selected = [t for t in TESTS if args.k in t.__name__]
        for t in selected:
            t1 = time.time()
            try:
                t(e)
                passed += 1
                log(f"PASS {t.__name__} ({time.time() - t1:.1f} s)")
            except Exception as ex:  # noqa: BLE001 - every failure is reported the same way
                failed += 1
                detail = str(ex) if isinstance(ex, Check) else traceback.format_exc()
                log(f"FAIL {t.__name__} ({time.time() - t1:.1f} s): {detail}")
    finally:
        e.stop()
    log(f"wine tests took {time.time() - t0:.1f} s")
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
