# memview's gdb extension: look at and edit the debugged process's memory live in memview,
# beside gdb, with gdb's own type information as a struct overlay.
#
# Load it with `source /usr/local/share/memview/gdb/memview.py` (or add that line to
# ~/.gdbinit). Commands:
#
#   memview EXPR          opens &EXPR for sizeof(EXPR) bytes of the inferior, with EXPR's
#                         type as an overlay (a layout JSON file written from gdb's types)
#   memview ADDR LEN      opens LEN bytes at ADDR (both gdb expressions), no overlay
#   memview --dry-run ... prints what it would open (spec, layout file) and opens nothing
#   memview --new-window  never reuses a running viewer
#
# Settings: `set memview dry-run on|off`, `set memview program PATH` (the viewer binary),
# `set memview layout-dir DIR` (default $XDG_RUNTIME_DIR/memview/layouts).
#
# What it opens is the spec pid:PID@0xADDR+LEN: memview reads and writes the process's
# memory itself (process_vm_readv, /proc/PID/mem), which works while gdb holds the process
# stopped at a breakpoint and while it runs. When a viewer already shows that process it
# listens on $XDG_RUNTIME_DIR/memview/pid-PID.sock; the range is sent there (one JSON line:
# {"open": SPEC, "layout": PATH, "title": EXPR}) instead of starting a second window.

import json
import os
import re
import shutil
import socket
import subprocess
import sys

import gdb

# gdb's `source` does not set __file__; the code object knows where this script lives.
_SCRIPT = os.path.abspath(sys._getframe(0).f_code.co_filename)

LAYOUT_FORMAT = "memview.layout"
LAYOUT_VERSION = 1
MAX_FIELDS = 200000


def _runtime_dir():
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and runtime.startswith("/"):
        return os.path.join(runtime, "memview")
    return "/tmp/memview-%d" % os.geteuid()


def control_socket_path(pid):
    """Where a viewer showing process `pid` listens (core/include/memview/control_socket.h)."""
    return os.path.join(_runtime_dir(), "pid-%d.sock" % pid)


class _Param(gdb.Parameter):
    def __init__(self, name, kind, default, doc):
        self.__doc__ = doc
        self.set_doc = doc
        self.show_doc = doc
        super().__init__(name, gdb.COMMAND_DATA, kind)
        self.value = default

    def get_set_string(self):
        return ""

    def get_show_string(self, svalue):
        return "%s is %s." % (self.name_for_show, svalue or "(default)")


class _MemviewPrefix(gdb.Command):
    """Settings of the memview command."""

    def __init__(self, verb):
        super().__init__(verb + " memview", gdb.COMMAND_DATA, prefix=True)


_MemviewPrefix("set")
_MemviewPrefix("show")


def _param(name, kind, default, doc):
    p = _Param("memview " + name, kind, default, doc)
    p.name_for_show = "memview " + name
    return p


DRY_RUN = _param("dry-run", gdb.PARAM_BOOLEAN, False,
                 "Whether memview only prints what it would open.")
PROGRAM = _param("program", gdb.PARAM_STRING, "",
                 "The memview viewer to start (default: next to this script, else PATH).")
LAYOUT_DIR = _param("layout-dir", gdb.PARAM_STRING, "",
                    "Where memview writes layout files (default: $XDG_RUNTIME_DIR/memview/layouts).")


# ---------------------------------------------------------------------------------------
# gdb types -> memview layout JSON (core/include/memview/layout.h, LayoutJson::full)
# ---------------------------------------------------------------------------------------

class LayoutError(Exception):
    pass


def _is_signed(t):
    try:
        return bool(t.is_signed)  # gdb >= 12
    except (AttributeError, ValueError, gdb.error):
        name = t.name or ""
        return not name.startswith("unsigned") and not name.startswith("uint") and \
            not name.startswith("_Bool") and name != "bool"


def _is_plain_char(t):
    t = t.strip_typedefs()
    return t.code == gdb.TYPE_CODE_INT and t.sizeof == 1 and t.name == "char"


def _array_count(t):
    lo, hi = t.range()
    return max(0, hi - lo + 1)


def _spell(t):
    """A type as C spells it: gdb prints arrays as "char [16]", compilers as "char[16]"."""
    return str(t).replace(" [", "[")


def _align(t):
    try:
        return int(t.alignof) or 1  # gdb >= 8.2
    except (AttributeError, gdb.error):
        return 1


class _Builder:
    def __init__(self):
        self.count = 0

    def _base(self, t):
        """Kind, signedness and type-specific extras of a non-record type."""
        s = t.strip_typedefs()
        code = s.code
        extra = {}
        if code == gdb.TYPE_CODE_BOOL:
            kind = "boolean"
        elif code in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_CHAR):
            kind = "signed_int" if _is_signed(s) else "unsigned_int"
            if s.sizeof not in (1, 2, 4, 8):
                kind = "opaque"
        elif code == gdb.TYPE_CODE_FLT:
            kind = "floating" if s.sizeof in (4, 8, 16) else "opaque"
        elif code == gdb.TYPE_CODE_ENUM:
            kind = "enumeration"
            extra["enumerators"] = [{"name": f.name, "value": int(f.enumval)} for f in s.fields()]
        elif code in (gdb.TYPE_CODE_PTR, gdb.TYPE_CODE_REF, gdb.TYPE_CODE_RVALUE_REF,
                      getattr(gdb, "TYPE_CODE_MEMBERPTR", -1)):
            kind = "pointer" if s.sizeof in (4, 8) else "opaque"
        else:
            kind = "opaque"
        signed = kind in ("signed_int",) or (kind == "enumeration" and _is_signed(s))
        return kind, signed, extra

    def field(self, t, path, name, offset_bits, bit_width, parent, depth, element=False):
        """One field as the layout JSON describes it (children are added by the caller)."""
        self.count += 1
        if self.count > MAX_FIELDS:
            raise LayoutError("more than %d fields" % MAX_FIELDS)
        s = t.strip_typedefs()
        size = s.sizeof
        f = {
            "path": path,
            "offset": offset_bits // 8,
            "bit_offset": offset_bits,
            "bit_width": bit_width if bit_width else None,
            "size": size,
            "type": _spell(t),
            "count": None,
            "name": name,
            "parent": parent,
            "depth": depth,
        }
        if s.code == gdb.TYPE_CODE_ARRAY:
            elem_type = s.target()
            f["count"] = _array_count(s)
            f["kind"] = "text" if _is_plain_char(elem_type) else "array"
            f["signed"] = _is_signed(elem_type.strip_typedefs()) if f["kind"] == "text" else False
            f["element"] = self.field(elem_type, "", "[]", 0, 0, -1, 0, element=True)
            if f["count"] == 0:
                f["size"] = 0  # a flexible array member
        elif s.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
            f["kind"] = "record"
            f["signed"] = False
            if element:
                f["record"] = self.layout(t)
        else:
            kind, signed, extra = self._base(t)
            if bit_width and kind not in ("signed_int", "unsigned_int", "boolean",
                                          "enumeration", "pointer"):
                kind = "unsigned_int"
            f["kind"] = kind
            f["signed"] = signed
            f.update(extra)
        if element:
            del f["path"]
        return f

    def members(self, t, base_bits, prefix, parent, depth, out):
        """Appends the members of record type t (at base_bits) in pre-order."""
        s = t.strip_typedefs()
        for m in s.fields():
            if not hasattr(m, "bitpos") or getattr(m, "artificial", False):
                continue  # static members, vtable pointers
            bits = base_bits + m.bitpos
            mt = m.type
            ms = mt.strip_typedefs()
            anonymous = not m.name or getattr(m, "is_base_class", False)
            if anonymous and ms.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
                # Anonymous struct/union members (and base classes) are flattened: their
                # members are reached as if they were the parent's own.
                self.members(mt, bits, prefix, parent, depth, out)
                continue
            if not m.name:
                continue  # unnamed bitfield (padding)
            path = prefix + m.name
            index = len(out)
            out.append(self.field(mt, path, m.name, bits, m.bitsize, parent, depth))
            if ms.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
                self.members(mt, bits, path + ".", index, depth + 1, out)

    def layout(self, t):
        s = t.strip_typedefs()
        if s.code not in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
            raise LayoutError("%s is not a struct or union" % t)
        fields = []
        self.members(t, 0, "", -1, 0, fields)
        return {
            "type": _spell(t.unqualified()),
            "size": s.sizeof,
            "align": _align(s),
            "is_union": s.code == gdb.TYPE_CODE_UNION,
            "fields": fields,
        }


def layout_for_type(t):
    """The memview layout (a dict, LayoutJson::full) of gdb type t.

    A struct or union gives its members; any other type gives one field named after the
    type at offset 0, so scalars and arrays get an overlay too."""
    b = _Builder()
    s = t.strip_typedefs()
    if s.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        doc = b.layout(t)
    else:
        fields = [b.field(t, "value", "value", 0, 0, -1, 0)]
        doc = {"type": _spell(t.unqualified()), "size": s.sizeof, "align": _align(s), "is_union": False,
               "fields": fields}
    out = {"format": LAYOUT_FORMAT, "version": LAYOUT_VERSION}
    out.update(doc)
    return out


# ---------------------------------------------------------------------------------------
# Opening
# ---------------------------------------------------------------------------------------

def _inferior_pid():
    inf = gdb.selected_inferior()
    if inf is None or inf.pid == 0:
        raise gdb.GdbError("memview: the program is not being run (start or attach first)")
    conn = getattr(inf, "connection", None)
    kind = getattr(conn, "type", None) if conn is not None else None
    if kind == "core":
        raise gdb.GdbError("memview: a core file has no live process to show")
    if not os.path.isdir("/proc/%d" % inf.pid):
        raise gdb.GdbError(
            "memview: process %d is not on this machine (a remote target?); memview opens "
            "local processes (pid:PID), or a stub nobody else is connected to "
            "(gdb:HOST:PORT)" % inf.pid)
    return inf.pid


def _find_program():
    if PROGRAM.value:
        return PROGRAM.value
    env = os.environ.get("MEMVIEW")
    if env:
        return env
    # Installed layout: PREFIX/share/memview/gdb/memview.py next to PREFIX/bin/memview.
    here = os.path.dirname(_SCRIPT)
    candidate = os.path.normpath(os.path.join(here, "..", "..", "..", "bin", "memview"))
    if os.access(candidate, os.X_OK):
        return candidate
    return shutil.which("memview") or "memview"


_viewer_help = {}


def _viewer_takes(program, option):
    """Whether this viewer build accepts OPTION, e.g. --layout (its --help, asked once)."""
    if program not in _viewer_help:
        try:
            _viewer_help[program] = subprocess.run([program, "--help"], capture_output=True,
                                                   text=True, timeout=5).stdout
        except (OSError, subprocess.SubprocessError):
            _viewer_help[program] = ""
    return re.search(re.escape(option) + r"\b(?!-)", _viewer_help[program]) is not None


def _private_dir(d):
    # Each level explicitly: os.makedirs gives intermediate directories the default mode,
    # and the viewer refuses a control socket directory others can enter.
    parent = os.path.dirname(d.rstrip("/"))
    if parent and not os.path.isdir(parent):
        _private_dir(parent)
    if not os.path.isdir(d):
        os.mkdir(d, 0o700)
    return d


def _layout_dir():
    if LAYOUT_DIR.value:
        os.makedirs(LAYOUT_DIR.value, exist_ok=True)
        return LAYOUT_DIR.value
    return _private_dir(os.path.join(_private_dir(_runtime_dir()), "layouts"))


def _write_layout(layout, pid, expr, address):
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", expr).strip("_")[:64] or "value"
    path = os.path.join(_layout_dir(), "%d-%s-%x.layout.json" % (pid, name, address))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(layout, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)  # a viewer never reads a half-written file
    return path


def _json_bytes(value):
    """A path or spec for the control socket: the string itself when its bytes are UTF-8,
    else {"hex": ...} (core/include/memview/json_bytes.h). Python keeps non-UTF-8 path
    bytes as lone surrogates, which a strict JSON reader refuses."""
    raw = os.fsencode(value)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"hex": raw.hex(), "text": raw.decode("utf-8", "replace")}


def send_to_viewer(pid, request, timeout=2.0):
    """Sends one request to the viewer showing `pid`. None when no viewer listens there,
    else (ok, error)."""
    path = control_socket_path(pid)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
    except OSError:
        s.close()
        return None
    try:
        encoded = {k: _json_bytes(v) if isinstance(v, str) else v for k, v in request.items()}
        s.sendall((json.dumps(encoded) + "\n").encode())
        data = b""
        while b"\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        answer = json.loads(data.split(b"\n", 1)[0].decode() or "{}")
        return bool(answer.get("ok")), answer.get("error", "")
    except (OSError, ValueError) as e:
        return False, str(e)
    finally:
        s.close()


def _log_path():
    return os.path.join(_runtime_dir(), "viewer.log")


def open_range(pid, address, length, title, layout=None, dry_run=False, new_window=False):
    spec = "pid:%d@0x%x+0x%x" % (pid, address, length)
    layout_path = _write_layout(layout, pid, title, address) if layout else None
    if dry_run:
        gdb.write("memview: would open %s\n" % spec)
        if layout:
            gdb.write("memview: layout %s (%s, %d bytes, %d fields)\n" %
                      (layout_path, layout["type"], layout["size"], len(layout["fields"])))
        sock = control_socket_path(pid)
        if not new_window and os.path.exists(sock):
            gdb.write("memview: would send it to the viewer at %s\n" % sock)
        else:
            gdb.write("memview: would start %s %s\n" % (_find_program(), spec))
        return spec, layout_path
    if not new_window:
        request = {"open": spec, "title": title}
        if layout_path:
            request["layout"] = layout_path
        sent = send_to_viewer(pid, request)
        if sent is not None:
            ok, error = sent
            if not ok:
                raise gdb.GdbError("memview: the viewer refused %s: %s" % (spec, error))
            gdb.write("memview: opened %s in the running viewer\n" % spec)
            return spec, layout_path
    program = _find_program()
    args = [program]
    if layout_path and _viewer_takes(program, "--layout"):
        args += ["--layout", layout_path]
        if _viewer_takes(program, "--layout-title"):
            args += ["--layout-title", title]  # the name a running viewer gives it too
    args.append(spec)
    _private_dir(_runtime_dir())
    try:
        log = open(_log_path(), "ab")
        subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                         start_new_session=True, close_fds=True)
        log.close()
    except OSError as e:
        raise gdb.GdbError("memview: cannot start %s: %s (set memview program PATH)" %
                           (program, e))
    gdb.write("memview: opened %s in a new viewer (log: %s)\n" % (spec, _log_path()))
    if layout_path and "--layout" not in args:
        gdb.write("memview: this viewer takes no --layout; the overlay is in %s\n" % layout_path)
    return spec, layout_path


def _address_of(value):
    """An address from a gdb value: pointers and integers by value, arrays by location."""
    t = value.type.strip_typedefs()
    if t.code in (gdb.TYPE_CODE_ARRAY, gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        if value.address is None:
            raise gdb.GdbError("memview: that value is not in memory")
        return int(value.address)
    return int(value)


class MemviewCommand(gdb.Command):
    """Open the inferior's memory in memview, live and editable.

memview EXPR        &EXPR for sizeof(EXPR) bytes, with EXPR's type as an overlay
memview ADDR LEN    LEN bytes at ADDR (gdb expressions)
Options (before the expression): --dry-run (print what would be opened), --new-window
(do not reuse a running viewer). See also: set memview dry-run|program|layout-dir."""

    def __init__(self):
        super().__init__("memview", gdb.COMMAND_DATA, gdb.COMPLETE_EXPRESSION)

    def invoke(self, arg, from_tty):
        dry_run = bool(DRY_RUN.value)
        new_window = False
        rest = arg.strip()
        while rest.startswith("--"):
            word, _, tail = rest.partition(" ")
            if word == "--":
                rest = tail.strip()
                break
            if word == "--dry-run":
                dry_run = True
            elif word == "--new-window":
                new_window = True
            else:
                raise gdb.GdbError("memview: unknown option %s" % word)
            rest = tail.strip()
        if not rest:
            raise gdb.GdbError("usage: memview [--dry-run] [--new-window] EXPR | ADDR LEN")
        pid = _inferior_pid()

        value = None
        try:
            value = gdb.parse_and_eval(rest)
        except gdb.error as expr_error:
            words = gdb.string_to_argv(rest)
            if len(words) != 2:
                raise gdb.GdbError("memview: %s" % expr_error)
            try:
                address = _address_of(gdb.parse_and_eval(words[0]))
                length = int(gdb.parse_and_eval(words[1]))
            except gdb.error as e:
                raise gdb.GdbError("memview: %s" % e)
            if length <= 0:
                raise gdb.GdbError("memview: LEN must be positive")
            if address < 0 or address + length > 1 << 64:
                raise gdb.GdbError("memview: the range does not fit the address space")
            open_range(pid, address, length, "%s+%d" % (words[0], length), None, dry_run,
                       new_window)
            return

        if value.address is None:
            raise gdb.GdbError(
                "memview: '%s' is not in memory (a register, a constant or a computed "
                "value); try memview *POINTER or memview ADDR LEN" % rest)
        address = int(value.address)
        size = value.type.strip_typedefs().sizeof
        if size <= 0:
            raise gdb.GdbError("memview: '%s' has no size" % rest)
        try:
            layout = layout_for_type(value.type)
        except LayoutError as e:
            gdb.write("memview: no overlay for %s: %s\n" % (value.type, e))
            layout = None
        open_range(pid, address, size, rest, layout, dry_run, new_window)


MemviewCommand()
