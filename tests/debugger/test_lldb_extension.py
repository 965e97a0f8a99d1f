"""app/lldb/memview_lldb.py in real lldb (Debian's lldb-14, python3-lldb-14) attached to the
debuggee, always under a timeout (lldb-14 has been seen to hang when its Python package is
missing):

- `memview --dry-run g_state` names the right pid, address and size and writes a layout
  whose offsets, sizes and bitfields are gcc's own (the debuggee prints offsetof/sizeof),
  which the core's importer accepts: `memview-cli read --layout-json` decodes the live
  values;
- `memview ADDR LEN`, errors;
- with a viewer listening on the control socket (the core's ControlServer in
  control_listener), `memview g_state` sends the range there."""
import json
import os
import re
import shutil
import subprocess
import tempfile

from dbg_common import LISTENER, Target, check, cli, finish, require

EXTENSION = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "app", "lldb",
                         "memview_lldb.py")
LLDB = shutil.which("lldb-14") or shutil.which("lldb")
if LLDB is None:
    require("lldb-14")
runtime = tempfile.mkdtemp(prefix="memview-lldb-test-")
os.chmod(runtime, 0o700)
# lldb-14's embedded Python finds its standard library through the first python3 on PATH:
# another installation first (pyenv, conda, a virtualenv; python3 itself prepends its own
# bin directory when it runs a child) breaks it with "name 'run_one_line' is not defined".
# Debian's own python3 goes first for lldb.
env = dict(os.environ, XDG_RUNTIME_DIR=runtime, MEMVIEW="/nonexistent/memview",
           PATH="/usr/bin:/bin:" + os.environ.get("PATH", ""))
env.pop("PYTHONHOME", None)
env.pop("PYTHONPATH", None)


def lldb(pid, commands, timeout=90):
    """lldb -b attached to pid, the extension imported, then each command; lldb's batch mode
    stops at the first failing command, so a test of an error ends its list."""
    args = ["timeout", "-k", "5", str(timeout), LLDB, "--no-lldbinit", "-b", "-p", str(pid),
            "-o", "command script import " + EXTENSION]
    for c in commands:
        args += ["-o", c]
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout + 30, env=env,
                       stdin=subprocess.DEVNULL)
    return p.stdout + p.stderr


def would_open(out):
    return [(int(p), int(a, 16), int(n, 16)) for p, a, n in
            re.findall(r"memview: would open pid:(\d+)@0x([0-9a-f]+)\+0x([0-9a-f]+)", out)]


t = Target()
try:
    out = lldb(t.pid, ["memview --dry-run g_state"])
    check("No module named" not in out, "lldb's Python package is found (scripts/install-deps)")
    check(would_open(out) == [(t.pid, t.state, t.size)],
          "memview g_state opens pid:%d@%#x+%#x (got %s)" % (t.pid, t.state, t.size, would_open(out)))
    m = re.search(r"memview: layout (\S+) \((?:struct )?test_state, (\d+) bytes", out)
    check(m is not None, "a layout file is written: " + (m.group(1) if m else out[-600:]))
    layout = json.load(open(m.group(1))) if m else {"fields": []}
    fields = {f["path"]: f for f in layout["fields"]}
    check(layout.get("format") == "memview.layout" and layout.get("version") == 1,
          "layout JSON is the core's format (memview.layout v1)")
    check(layout.get("size") == t.size and layout.get("align") == 8 and layout.get("is_union") is False,
          "layout size and alignment")
    for name, (offset, size) in sorted(t.fields.items()):
        f = fields.get(name)
        check(f is not None and f["offset"] == offset and f["size"] == size and f["bit_offset"] == offset * 8,
              "field %s at %d, %d bytes as gcc laid it out (got %s)" %
              (name, offset, size, f and (f["offset"], f["size"])))
    fl, lv = fields.get("flags", {}), fields.get("level", {})
    check(fl.get("bit_width") == 3 and lv.get("bit_width") == 5 and
          lv.get("bit_offset") == fl.get("bit_offset", -99) + 3 and fl.get("offset") == fl.get("bit_offset", 0) // 8,
          "bitfields flags:3 and level:5 are adjacent bits")
    check(fields.get("name", {}).get("kind") == "text" and fields["name"].get("count") == 16,
          "char[16] is text with count 16")
    check(fields.get("values", {}).get("kind") == "array" and fields["values"].get("count") == 4 and
          fields["values"].get("element", {}).get("size") == 4, "int32_t[4] is an array")
    check([e["name"] for e in fields.get("mode", {}).get("enumerators", [])] ==
          ["MODE_IDLE", "MODE_RUN", "MODE_DONE"], "enum constants from lldb")
    check(fields.get("x", {}).get("parent") == -1 and fields.get("x", {}).get("depth") == 0,
          "anonymous struct members are flattened into the parent")
    check(fields.get("num.u", {}).get("parent") == list(fields).index("num") and
          fields.get("num", {}).get("kind") == "record", "union members follow their union")
    check(fields.get("inner.b", {}).get("kind") == "signed_int" and
          fields.get("magic", {}).get("kind") == "unsigned_int" and
          fields.get("ratio", {}).get("kind") == "floating" and
          fields.get("self", {}).get("kind") == "pointer", "scalar kinds and signedness")

    # The core imports the layout and decodes the live bytes.
    rc, rout, err = cli("read", "pid:%d@%#x+%d" % (t.pid, t.state, t.size), "--layout-json",
                        m.group(1) if m else "/nonexistent", "--at", hex(t.state), "--json")
    check(rc == 0, "memview-cli read --layout-json accepts the layout: " + err.strip())
    values = {}
    if rc == 0:
        for f in json.loads(rout)["records"][0]["fields"]:
            values[f["path"]] = f.get("text")
    check(values.get("magic") == str(0x4d454d56), "magic decodes: %s" % values.get("magic"))
    check(values.get("inner.b") == "-5" and values.get("flags") == "5" and values.get("level") == "17",
          "int8_t and bitfields decode: %s %s %s" % (values.get("inner.b"), values.get("flags"),
                                                    values.get("level")))
    check(values.get("name") == "memview-target", "name decodes as text: %s" % values.get("name"))
    check(values.get("values") == "[10, 20, 30, 40]", "array decodes: %s" % values.get("values"))
    check(values.get("num.f") == "1", "union member decodes: %s" % values.get("num.f"))

    # Other forms.
    out = lldb(t.pid, ["memview --dry-run &g_state.values 16", "memview --dry-run g_state.name 8",
                       "memview --dry-run g_state.inner"])
    opens = would_open(out)
    check(len(opens) == 3 and opens[0] == (t.pid, t.addr("values"), 16), "memview ADDR LEN with a pointer")
    check(len(opens) == 3 and opens[1] == (t.pid, t.addr("name"), 8), "memview ADDR LEN with an array")
    check(len(opens) == 3 and opens[2] == (t.pid, t.addr("inner"), 4), "memview of a member struct")
    for command, text in (("memview 42", "'42' is not in memory"),
                          ("memview", "usage: memview"),
                          ("memview --bogus g_state", "unknown option --bogus"),
                          ("memview g_state.nosuchfield", "nosuchfield")):
        out = lldb(t.pid, [command])
        check("error: memview:" in out and text in out, "%s: %s" % (command, text))

    # A viewer already showing the process gets the range over the control socket.
    if LISTENER:
        lst = subprocess.Popen([LISTENER, "--pid", str(t.pid), "--count", "1"],
                               stdout=subprocess.PIPE, text=True, env=env)
        first = lst.stdout.readline().strip()
        sock = os.path.join(runtime, "memview", "pid-%d.sock" % t.pid)
        check(first == "listening " + sock, "the listener uses the documented path: " + first)
        out = lldb(t.pid, ["memview --dry-run g_state", "memview g_state"])
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
              req.get("title") == "g_state" and req.get("layout", "").endswith(".layout.json") and
              os.path.exists(req.get("layout", "")),
              "the viewer received spec, title and layout path: %s" % line)

        # A layout directory whose path is not UTF-8: the viewer receives its exact bytes
        # ({"hex": ...}, docs/json-bytes.md) and lldb prints it escaped.
        odd_dir = os.fsencode(runtime) + b"/lay\xffouts\xe9"
        odd_env = dict(env, MEMVIEW_LAYOUT_DIR=os.fsdecode(odd_dir))
        lst = subprocess.Popen([LISTENER, "--pid", str(t.pid), "--count", "1"],
                               stdout=subprocess.PIPE, text=True, env=odd_env)
        lst.stdout.readline()
        args = ["timeout", "-k", "5", "90", LLDB, "--no-lldbinit", "-b", "-p", str(t.pid),
                "-o", "command script import " + EXTENSION, "-o", "memview --dry-run g_state",
                "-o", "memview g_state"]
        p = subprocess.run(args, capture_output=True, timeout=120, env=odd_env,
                           stdin=subprocess.DEVNULL)
        out = (p.stdout + p.stderr).decode("utf-8", "replace")
        check("/lay\\xffouts\\xe9/" in out, "lldb prints the layout path escaped: " + out[-600:])
        check("in the running viewer" in out, "the range goes to the running viewer")
        try:
            line = lst.stdout.readline().strip()
            lst.wait(timeout=10)
        except subprocess.TimeoutExpired:
            lst.kill()
            line = ""
        req = json.loads(line) if line.startswith("{") else {}
        layout = req.get("layout")
        got = bytes.fromhex(layout["hex"]) if isinstance(layout, dict) else b""
        check(got.startswith(odd_dir + b"/") and got.endswith(b".layout.json") and
              os.path.exists(got), "the viewer received the layout path's exact bytes: %s" % line)
    # lldb detached: the debuggee still runs.
    check(t.proc.poll() is None, "the debuggee runs on after lldb detached")
finally:
    t.stop()
    shutil.rmtree(runtime, ignore_errors=True)
finish()
