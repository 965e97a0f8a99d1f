"""app/gdb/memview.py in real `gdb -batch` against the debuggee:

- `memview --dry-run EXPR` names the right pid, address and size, and writes a layout whose
  offsets and sizes are gcc's own (the debuggee prints offsetof/sizeof) and which the core's
  importer accepts: `memview-cli read --layout-json` decodes the live values gdb prints;
- `memview ADDR LEN`, errors, the dry-run parameter;
- with a viewer listening on the control socket (the core's ControlServer in
  control_listener), the range is sent there instead of starting a window;
- with the GUI built and Xvfb installed: one real window started by the extension."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from xvfb import start_xvfb  # noqa: E402

from dbg_common import (CLI, EXTENSION, GDB, GUI, LISTENER, TARGET, Target, check, cli, finish,
                        gdb_env, mark, printed, require)

ARTIFACTS = os.environ.get("MEMVIEW_ARTIFACT_DIR") or tempfile.gettempdir()

require("gdb")
runtime = tempfile.mkdtemp(prefix="memview-ext-test-")
os.chmod(runtime, 0o700)
env = gdb_env(dict(os.environ, XDG_RUNTIME_DIR=runtime))


def gdb(pid, commands, program=None):
    args = GDB + (["-p", str(pid)] if pid else [program])
    args += ["-ex", "source " + EXTENSION]
    for c in commands:
        args += ["-ex", c]
    p = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env,
                       stdin=subprocess.DEVNULL)
    return p.stdout + p.stderr


def would_open(out):
    m = re.search(r"memview: would open pid:(\d+)@0x([0-9a-f]+)\+0x([0-9a-f]+)", out)
    return (int(m.group(1)), int(m.group(2), 16), int(m.group(3), 16)) if m else None


t = Target()
try:
    out = gdb(t.pid, ["memview --dry-run g_state"] + mark("magic", "g_state.magic") +
              mark("b", "g_state.inner.b") + mark("flags", "g_state.flags") +
              mark("level", "g_state.level") + mark("mode", "g_state.mode") +
              mark("name", "g_state.name") + mark("f", "g_state.num.f") +
              mark("y", "g_state.y") + mark("v3", "g_state.values[3]"))
    opened = would_open(out)
    check(opened == (t.pid, t.state, t.size),
          "memview g_state opens pid:%d@%#x+%#x (got %s)" % (t.pid, t.state, t.size, opened))
    m = re.search(r"memview: layout (\S+) \(struct test_state, (\d+) bytes", out)
    check(m is not None, "a layout file is written: " + (m.group(1) if m else out[-400:]))
    layout = json.load(open(m.group(1))) if m else {"fields": []}
    fields = {f["path"]: f for f in layout["fields"]}
    check(layout.get("format") == "memview.layout" and layout.get("version") == 1,
          "layout JSON is the core's format (memview.layout v1)")
    check(layout.get("type") == "struct test_state" and layout.get("size") == t.size and
          layout.get("align") == 8 and layout.get("is_union") is False,
          "layout type, size and alignment")
    for name, (offset, size) in sorted(t.fields.items()):
        f = fields.get(name)
        check(f is not None and f["offset"] == offset and f["size"] == size and
              f["bit_offset"] == offset * 8,
              "field %s at %d, %d bytes as gcc laid it out (got %s)" %
              (name, offset, size, f and (f["offset"], f["size"])))
    fl, lv = fields.get("flags", {}), fields.get("level", {})
    check(fl.get("bit_width") == 3 and lv.get("bit_width") == 5 and
          lv.get("bit_offset") == fl.get("bit_offset", -99) + 3 and
          fl.get("offset") == fl.get("bit_offset", 0) // 8,
          "bitfields flags:3 and level:5 are adjacent bits")
    check(fields.get("name", {}).get("kind") == "text" and fields["name"].get("count") == 16,
          "char[16] is text with count 16")
    check(fields.get("values", {}).get("kind") == "array" and
          fields["values"].get("element", {}).get("size") == 4, "int32_t[4] is an array")
    check([e["name"] for e in fields.get("mode", {}).get("enumerators", [])] ==
          ["MODE_IDLE", "MODE_RUN", "MODE_DONE"], "enum constants from gdb")
    check(fields.get("x", {}).get("parent") == -1 and fields.get("x", {}).get("depth") == 0,
          "anonymous struct members are flattened into the parent")
    check(fields.get("num.u", {}).get("parent") == list(fields).index("num"),
          "union members follow their union")
    check(fields.get("self", {}).get("kind") == "pointer", "void * is a pointer")

    # The core imports the layout and decodes the live bytes as gdb prints them.
    rc, rout, err = cli("read", "pid:%d@%#x+%d" % (t.pid, t.state, t.size), "--layout-json",
                        m.group(1) if m else "/nonexistent", "--at", hex(t.state), "--json")
    check(rc == 0, "memview-cli read --layout-json accepts the layout: " + err.strip())
    values = {}
    if rc == 0:
        for f in json.loads(rout)["records"][0]["fields"]:
            values[f["path"]] = f.get("text")
    check(values.get("magic") == printed(out, "magic"), "magic: memview %s, gdb %s" %
          (values.get("magic"), printed(out, "magic")))
    for key, path in [("b", "inner.b"), ("flags", "flags"), ("level", "level"), ("mode", "mode"),
                      ("f", "num.f"), ("y", "y"), ("v3", None)]:
        if path is None:
            continue
        gdb_value = printed(out, key) or ""
        if key == "b":
            gdb_value = gdb_value.split(" ")[0]  # int8_t prints as a char: -5 '\373'
        check(values.get(path) == gdb_value,
              "%s: memview %s, gdb %s" % (path, values.get(path), gdb_value))
    check(printed(out, "name") == '"memview-target\\000\\000"' or
          (printed(out, "name") or "").startswith('"memview-target'),
          "gdb prints the name")
    check(values.get("name") == "memview-target", "name decodes as text: %s" % values.get("name"))
    check(values.get("values") == "[10, 20, 30, 40]", "array decodes: %s" % values.get("values"))

    # Raw ranges, errors, the parameter.
    out = gdb(t.pid, ["memview --dry-run &g_state.values 16",
                      "memview --dry-run g_state.name 8",
                      "set memview dry-run on", "show memview dry-run",
                      "memview g_state.inner",
                      "memview 42", "memview", "memview --bogus g_state",
                      "memview g_state.nosuchfield"])
    opens = re.findall(r"memview: would open pid:(\d+)@0x([0-9a-f]+)\+0x([0-9a-f]+)", out)
    opens = [(int(p), int(a, 16), int(n, 16)) for p, a, n in opens]
    check(len(opens) == 3 and opens[0] == (t.pid, t.addr("values"), 16),
          "memview ADDR LEN with a pointer expression")
    check(len(opens) == 3 and opens[1] == (t.pid, t.addr("name"), 8),
          "memview ADDR LEN with an array")
    check(len(opens) == 3 and opens[2] == (t.pid, t.addr("inner"), 4),
          "set memview dry-run on makes every memview a dry run")
    check("memview dry-run is on" in out, "show memview dry-run")
    check("'42' is not in memory" in out, "a constant is refused with a reason")
    check("usage: memview" in out, "no argument: usage")
    check("unknown option --bogus" in out, "an unknown option is refused")
    check("There is no member named nosuchfield" in out, "gdb's own error for a bad expression")

    out = gdb(None, ["memview --dry-run g_state"], program=TARGET)
    check("not being run" in out, "without a process: a clear error")

    # A viewer already showing the process gets the range over the control socket.
    if LISTENER:
        lst = subprocess.Popen([LISTENER, "--pid", str(t.pid), "--count", "1"],
                               stdout=subprocess.PIPE, text=True, env=env)
        first = lst.stdout.readline().strip()
        sock = os.path.join(runtime, "memview", "pid-%d.sock" % t.pid)
        check(first == "listening " + sock, "the listener uses the documented path: " + first)
        out = gdb(t.pid, ["memview --dry-run g_state", "memview g_state"])
        check("would send it to the viewer at " + sock in out, "dry run names the viewer")
        check("opened pid:%d@%#x+%#x in the running viewer" % (t.pid, t.state, t.size) in out,
              "memview g_state goes to the running viewer")
        try:
            line = lst.stdout.readline().strip()
            lst.wait(timeout=10)
        except subprocess.TimeoutExpired:
            lst.kill()
            line = ""
        req = json.loads(line) if line.startswith("{") else {}
        check(req.get("open") == "pid:%d@%#x+%#x" % (t.pid, t.state, t.size) and
              req.get("title") == "g_state" and req.get("layout", "").endswith(".layout.json")
              and os.path.exists(req.get("layout", "")),
              "the viewer received spec, title and layout path: %s" % line)

    # One real window: the extension starts the GUI under Xvfb.
    if GUI and shutil.which("Xvfb"):
        xvfb, display = start_xvfb("1280x800x24")
        try:
            env["DISPLAY"] = display
            out = gdb(t.pid, ["set memview program " + GUI, "memview g_state"])
            check("in a new viewer" in out, "the extension starts a viewer: " + out[-300:])
            spec = "pid:%d@%#x+%#x" % (t.pid, t.state, t.size)
            found = None
            deadline = time.time() + 10
            while time.time() < deadline and not found:
                for pid in os.listdir("/proc"):
                    if not pid.isdigit():
                        continue
                    try:
                        cmd = open("/proc/%s/cmdline" % pid, "rb").read().split(b"\0")
                    except OSError:
                        continue
                    if cmd and cmd[0].decode(errors="replace") == GUI and \
                            spec.encode() in cmd:
                        found, found_cmd = int(pid), cmd
                time.sleep(0.2)
            check(found is not None, "a memview window runs with " + spec)
            if found:
                at = found_cmd.index(b"--layout-title") if b"--layout-title" in found_cmd else -1
                check(at > 0 and found_cmd[at + 1] == b"g_state",
                      "the overlay is named g_state, as in a running viewer: %s" % found_cmd)
            if found:
                time.sleep(1.5)
                alive = os.path.exists("/proc/%d" % found)
                check(alive, "the window stays up (it opened the spec without error)")
                if shutil.which("import"):
                    shot = os.path.join(ARTIFACTS, "gdb_extension_window.png")
                    subprocess.run(["import", "-window", "root", shot], env=env, timeout=30,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    print("screenshot:", shot)
                log = os.path.join(runtime, "memview", "viewer.log")
                if os.path.exists(log):
                    print("viewer log:", open(log).read()[-500:])
                os.kill(found, 15)
        finally:
            xvfb.terminate()
            xvfb.wait()
    else:
        print("note: no GUI build or no Xvfb: the real-window run is not part of this run")
finally:
    t.stop()
    shutil.rmtree(runtime, ignore_errors=True)
finish()
