# memview's lldb extension: look at and edit the debugged process's memory live in memview,
# beside lldb, with lldb's own type information as a struct overlay.
#
# Load it with `command script import /usr/local/share/memview/lldb/memview_lldb.py` (or
# put that line in ~/.lldbinit). Commands:
#
#   memview EXPR          opens &EXPR for sizeof(EXPR) bytes of the process, with EXPR's
#                         type as an overlay (a layout JSON file written from lldb's SBType:
#                         fields, offsets, bitfields, enums, arrays, unions)
#   memview ADDR LEN      opens LEN bytes at ADDR (both lldb expressions), no overlay
#   memview --dry-run ... prints what it would open (spec, layout file) and opens nothing
#   memview --new-window  never reuses a running viewer
#
# Settings through the environment: MEMVIEW (the viewer binary; default next to this
# script, else PATH), MEMVIEW_DRY_RUN=1, MEMVIEW_LAYOUT_DIR (default
# $XDG_RUNTIME_DIR/memview/layouts).
#
# What it opens is the spec pid:PID@0xADDR+LEN: memview reads and writes the process's memory
# itself (process_vm_readv, /proc/PID/mem), which works while lldb holds the process stopped
# and while it runs. When a viewer already shows that process it listens on
# $XDG_RUNTIME_DIR/memview/pid-PID.sock; the range is sent there (one JSON line:
# {"open": SPEC, "layout": PATH, "title": EXPR}) instead of starting a second window.
#
# Debian 12's lldb-14 needs scripts/install-deps (or one symlink, see the README) before
# `command script import` works at all.

import json
import os
import re
import shlex
import shutil
import socket
import subprocess

import lldb

_SCRIPT = os.path.abspath(__file__)

LAYOUT_FORMAT = "memview.layout"
LAYOUT_VERSION = 1
MAX_FIELDS = 200000
USAGE = "usage: memview [--dry-run] [--new-window] EXPR | ADDR LEN"


class MemviewError(Exception):
    pass


def _runtime_dir():
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and runtime.startswith("/"):
        return os.path.join(runtime, "memview")
    return "/tmp/memview-%d" % os.geteuid()


def control_socket_path(pid):
    """Where a viewer showing process `pid` listens (core/include/memview/control_socket.h)."""
    return os.path.join(_runtime_dir(), "pid-%d.sock" % pid)


# ---------------------------------------------------------------------------------------
# lldb types -> memview layout JSON (core/include/memview/layout.h, LayoutJson::full)
# ---------------------------------------------------------------------------------------

def _canonical(t):
    return t.GetCanonicalType().GetUnqualifiedType()


def _class(t):
    return _canonical(t).GetTypeClass()


def _is_record(t):
    return _class(t) in (lldb.eTypeClassStruct, lldb.eTypeClassUnion, lldb.eTypeClassClass)


def _is_signed(t):
    return bool(_canonical(t).GetTypeFlags() & lldb.eTypeIsSigned)


def _spell(t):
    return t.GetUnqualifiedType().GetName() or _canonical(t).GetName() or "?"


def _array_count(t):
    c = _canonical(t)
    elem = c.GetArrayElementType()
    size = elem.GetByteSize()
    return c.GetByteSize() // size if size else 0


def _align(t):
    """Alignment by the x86-64/AArch64 SysV rules: scalars by their size, aggregates by
    their most aligned member (lldb 14's SBType has no alignment query)."""
    c = _canonical(t)
    cls = c.GetTypeClass()
    if cls == lldb.eTypeClassArray:
        return _align(c.GetArrayElementType())
    if cls in (lldb.eTypeClassStruct, lldb.eTypeClassUnion, lldb.eTypeClassClass):
        best = 1
        for i in range(c.GetNumberOfDirectBaseClasses()):
            best = max(best, _align(c.GetDirectBaseClassAtIndex(i).GetType()))
        for i in range(c.GetNumberOfFields()):
            best = max(best, _align(c.GetFieldAtIndex(i).GetType()))
        return best
    size = c.GetByteSize()
    return min(size, 16) if size in (1, 2, 4, 8, 16) else 1


class _Builder:
    def __init__(self):
        self.count = 0

    def _base(self, t):
        c = _canonical(t)
        cls = c.GetTypeClass()
        size = c.GetByteSize()
        extra = {}
        basic = c.GetBasicType()
        if cls == lldb.eTypeClassBuiltin and basic == lldb.eBasicTypeBool:
            kind = "boolean"
        elif cls == lldb.eTypeClassBuiltin and basic in (
                lldb.eBasicTypeFloat, lldb.eBasicTypeDouble, lldb.eBasicTypeLongDouble,
                lldb.eBasicTypeHalf):
            kind = "floating" if size in (4, 8, 16) else "opaque"
        elif cls == lldb.eTypeClassBuiltin:
            kind = ("signed_int" if _is_signed(t) else "unsigned_int") if size in (1, 2, 4, 8) \
                else "opaque"
        elif cls == lldb.eTypeClassEnumeration:
            kind = "enumeration"
            extra["enumerators"] = [{"name": e.GetName(), "value": e.GetValueAsSigned()}
                                    for e in c.GetEnumMembers()]
        elif cls in (lldb.eTypeClassPointer, lldb.eTypeClassReference, lldb.eTypeClassMemberPointer):
            kind = "pointer" if size in (4, 8) else "opaque"
        else:
            kind = "opaque"
        signed = kind == "signed_int" or (kind == "enumeration" and _enum_signed(c))
        return kind, signed, extra

    def field(self, t, path, name, offset_bits, bit_width, parent, depth, element=False):
        self.count += 1
        if self.count > MAX_FIELDS:
            raise MemviewError("more than %d fields" % MAX_FIELDS)
        c = _canonical(t)
        f = {
            "path": path,
            "offset": offset_bits // 8,
            "bit_offset": offset_bits,
            "bit_width": bit_width if bit_width else None,
            "size": c.GetByteSize(),
            "type": _spell(t),
            "count": None,
            "name": name,
            "parent": parent,
            "depth": depth,
        }
        cls = c.GetTypeClass()
        if cls == lldb.eTypeClassArray:
            elem = c.GetArrayElementType()
            f["count"] = _array_count(c)
            plain_char = _canonical(elem).GetName() == "char"
            f["kind"] = "text" if plain_char else "array"
            f["signed"] = _is_signed(elem) if plain_char else False
            f["element"] = self.field(elem, "", "[]", 0, 0, -1, 0, element=True)
            if f["count"] == 0:
                f["size"] = 0  # a flexible array member
        elif _is_record(c):
            f["kind"] = "record"
            f["signed"] = False
            if element:
                f["record"] = self.layout(t)
        else:
            kind, signed, extra = self._base(t)
            if bit_width and kind not in ("signed_int", "unsigned_int", "boolean", "enumeration",
                                          "pointer"):
                kind = "unsigned_int"
            f["kind"] = kind
            f["signed"] = signed
            f.update(extra)
        if element:
            del f["path"]
        return f

    def members(self, t, base_bits, prefix, parent, depth, out):
        """Appends the members of record type t (at base_bits) in pre-order; anonymous
        struct/union members and base classes are flattened into the parent."""
        c = _canonical(t)
        for i in range(c.GetNumberOfDirectBaseClasses()):
            b = c.GetDirectBaseClassAtIndex(i)
            self.members(b.GetType(), base_bits + b.GetOffsetInBits(), prefix, parent, depth, out)
        for i in range(c.GetNumberOfFields()):
            m = c.GetFieldAtIndex(i)
            mt = m.GetType()
            bits = base_bits + m.GetOffsetInBits()
            name = m.GetName()
            if not name:
                if _is_record(mt):
                    self.members(mt, bits, prefix, parent, depth, out)
                continue  # an unnamed bitfield is padding
            width = m.GetBitfieldSizeInBits() if m.IsBitfield() else 0
            path = prefix + name
            index = len(out)
            out.append(self.field(mt, path, name, bits, width, parent, depth))
            if _is_record(mt):
                self.members(mt, bits, path + ".", index, depth + 1, out)

    def layout(self, t):
        c = _canonical(t)
        if not _is_record(c):
            raise MemviewError("%s is not a struct or union" % _spell(t))
        fields = []
        self.members(t, 0, "", -1, 0, fields)
        return {
            "type": _spell(t),
            "size": c.GetByteSize(),
            "align": _align(c),
            "is_union": c.GetTypeClass() == lldb.eTypeClassUnion,
            "fields": fields,
        }


def _enum_signed(c):
    try:
        return _is_signed(c.GetEnumerationIntegerType())
    except AttributeError:  # lldb before 13
        return any(e.GetValueAsSigned() < 0 for e in c.GetEnumMembers())


def layout_for_type(t):
    """The memview layout (a dict, LayoutJson::full) of lldb type t: a struct or union gives
    its members; any other type one field named "value" at offset 0."""
    b = _Builder()
    c = _canonical(t)
    if _is_record(c):
        doc = b.layout(t)
    else:
        doc = {"type": _spell(t), "size": c.GetByteSize(), "align": _align(c), "is_union": False,
               "fields": [b.field(t, "value", "value", 0, 0, -1, 0)]}
    out = {"format": LAYOUT_FORMAT, "version": LAYOUT_VERSION}
    out.update(doc)
    return out


# ---------------------------------------------------------------------------------------
# Opening
# ---------------------------------------------------------------------------------------

def _find_program():
    env = os.environ.get("MEMVIEW")
    if env:
        return env
    # Installed layout: PREFIX/share/memview/lldb/memview_lldb.py next to PREFIX/bin/memview.
    here = os.path.dirname(_SCRIPT)
    candidate = os.path.normpath(os.path.join(here, "..", "..", "..", "bin", "memview"))
    if os.access(candidate, os.X_OK):
        return candidate
    return shutil.which("memview") or "memview"


def _private_dir(d):
    # Each level explicitly: the viewer refuses a control socket directory others can enter.
    parent = os.path.dirname(d.rstrip("/"))
    if parent and not os.path.isdir(parent):
        _private_dir(parent)
    if not os.path.isdir(d):
        os.mkdir(d, 0o700)
    return d


def _layout_dir():
    configured = os.environ.get("MEMVIEW_LAYOUT_DIR")
    if configured:
        os.makedirs(configured, exist_ok=True)
        return configured
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
    else {"hex": ..., "text": ...} (core/include/memview/json_bytes.h, docs/json-bytes.md).
    Python keeps non-UTF-8 path bytes as lone surrogates, which a strict JSON reader
    refuses."""
    raw = os.fsencode(value)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"hex": raw.hex(), "text": raw.decode("utf-8", "replace")}


def _printable(line):
    """A line for lldb's output: bytes of a path that are not UTF-8 (lone surrogates in
    Python) as \\xNN, which lldb can print."""
    return os.fsencode(line).decode("utf-8", "backslashreplace")


def send_to_viewer(pid, request, timeout=2.0):
    """Sends one request to the viewer showing `pid`: None when none listens, else
    (ok, error)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(control_socket_path(pid))
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


def open_range(out, pid, address, length, title, layout=None, dry_run=False, new_window=False):
    spec = "pid:%d@0x%x+0x%x" % (pid, address, length)
    layout_path = _write_layout(layout, pid, title, address) if layout else None
    if dry_run:
        out.append("memview: would open %s" % spec)
        if layout:
            out.append("memview: layout %s (%s, %d bytes, %d fields)" %
                       (layout_path, layout["type"], layout["size"], len(layout["fields"])))
        sock = control_socket_path(pid)
        if not new_window and os.path.exists(sock):
            out.append("memview: would send it to the viewer at %s" % sock)
        else:
            out.append("memview: would start %s %s" % (_find_program(), spec))
        return spec
    if not new_window:
        request = {"open": spec, "title": title}
        if layout_path:
            request["layout"] = layout_path
        sent = send_to_viewer(pid, request)
        if sent is not None:
            ok, error = sent
            if not ok:
                raise MemviewError("the viewer refused %s: %s" % (spec, error))
            out.append("memview: opened %s in the running viewer" % spec)
            return spec
    program = _find_program()
    # The overlay is named for the expression, as a running viewer names it.
    layout_args = ["--layout", layout_path, "--layout-title", title] if layout_path else []
    args = [program] + layout_args + [spec]
    log_path = os.path.join(_private_dir(_runtime_dir()), "viewer.log")
    try:
        with open(log_path, "ab") as log:
            subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                             start_new_session=True, close_fds=True)
    except OSError as e:
        raise MemviewError("cannot start %s: %s (set MEMVIEW=PATH)" % (program, e))
    out.append("memview: opened %s in a new viewer (log: %s)" % (spec, log_path))
    return spec


# ---------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------

def _process(exe_ctx):
    process = exe_ctx.GetProcess()
    if not process or not process.IsValid() or process.GetProcessID() in (0, lldb.LLDB_INVALID_PROCESS_ID):
        raise MemviewError("the program is not being run (launch or attach first)")
    if process.GetState() in (lldb.eStateExited, lldb.eStateDetached, lldb.eStateInvalid):
        raise MemviewError("the process is not alive")
    pid = process.GetProcessID()
    if not os.path.isdir("/proc/%d" % pid):
        raise MemviewError(
            "process %d is not on this machine (a remote target?); memview opens local processes "
            "(pid:PID), or a stub nobody else is connected to (gdb:HOST:PORT)" % pid)
    return pid


def _in_memory(value):
    return value and value.IsValid() and value.GetError().Success() and \
        value.GetLoadAddress() != lldb.LLDB_INVALID_ADDRESS


def _locate(exe_ctx, expr):
    """(address, type) of an lvalue expression, without running code in the process when
    possible: frame variables and globals by path first, then lldb's expression evaluator."""
    frame = exe_ctx.GetFrame()
    target = exe_ctx.GetTarget()
    if frame and frame.IsValid():
        v = frame.GetValueForVariablePath(expr)
        if _in_memory(v):
            return v.GetLoadAddress(), v.GetType()
    m = re.match(r"\s*([A-Za-z_]\w*(?:::[A-Za-z_]\w*)*)(.*)$", expr)
    if m:
        g = target.FindFirstGlobalVariable(m.group(1))
        if g and g.IsValid():
            v = g.GetValueForExpressionPath(m.group(2).strip()) if m.group(2).strip() else g
            if _in_memory(v):
                return v.GetLoadAddress(), v.GetType()
    context = frame if frame and frame.IsValid() else target
    p = context.EvaluateExpression("&(%s)" % expr)
    if p.GetError().Success() and _canonical(p.GetType()).GetTypeClass() == lldb.eTypeClassPointer:
        return p.GetValueAsUnsigned(), p.GetType().GetPointeeType()
    v = context.EvaluateExpression(expr)
    if not v.GetError().Success():
        raise MemviewError(v.GetError().GetCString().strip())
    raise MemviewError("'%s' is not in memory (a register, a constant or a computed value); "
                       "try memview *POINTER or memview ADDR LEN" % expr)


def _integer(exe_ctx, expr, what):
    frame = exe_ctx.GetFrame()
    context = frame if frame and frame.IsValid() else exe_ctx.GetTarget()
    v = context.EvaluateExpression(expr)
    if not v.GetError().Success():
        raise MemviewError("%s: %s" % (what, v.GetError().GetCString().strip()))
    cls = _canonical(v.GetType()).GetTypeClass()
    if cls in (lldb.eTypeClassArray, lldb.eTypeClassStruct, lldb.eTypeClassUnion):
        if v.GetLoadAddress() == lldb.LLDB_INVALID_ADDRESS:
            raise MemviewError("%s: that value is not in memory" % what)
        return v.GetLoadAddress()
    if _is_signed(v.GetType()):
        return v.GetValueAsSigned()
    return v.GetValueAsUnsigned()


def run(exe_ctx, arguments):
    """memview ARGUMENTS; returns the lines to print. Raises MemviewError."""
    dry_run = os.environ.get("MEMVIEW_DRY_RUN", "") not in ("", "0")
    new_window = False
    rest = arguments.strip()
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
            raise MemviewError("unknown option %s" % word)
        rest = tail.strip()
    if not rest:
        raise MemviewError(USAGE)
    pid = _process(exe_ctx)
    out = []
    try:
        address, t = _locate(exe_ctx, rest)
    except MemviewError as expr_error:
        try:
            words = shlex.split(rest)
        except ValueError:
            words = []
        if len(words) != 2:
            raise expr_error
        address = _integer(exe_ctx, words[0], "ADDR")
        length = _integer(exe_ctx, words[1], "LEN")
        if length <= 0:
            raise MemviewError("LEN must be positive")
        if address < 0 or address + length > 1 << 64:
            raise MemviewError("the range does not fit the address space")
        open_range(out, pid, address, length, "%s+%d" % (words[0], length), None, dry_run, new_window)
        return out
    size = _canonical(t).GetByteSize()
    if size <= 0:
        raise MemviewError("'%s' has no size" % rest)
    try:
        layout = layout_for_type(t)
    except MemviewError as e:
        out.append("memview: no overlay for %s: %s" % (_spell(t), e))
        layout = None
    open_range(out, pid, address, size, rest, layout, dry_run, new_window)
    return out


def memview_command(debugger, command, exe_ctx, result, internal_dict):
    """Open the process's memory in memview, live and editable.

memview EXPR        &EXPR for sizeof(EXPR) bytes, with EXPR's type as an overlay
memview ADDR LEN    LEN bytes at ADDR (lldb expressions)
Options (before the expression): --dry-run (print what would be opened), --new-window
(do not reuse a running viewer). Environment: MEMVIEW, MEMVIEW_DRY_RUN, MEMVIEW_LAYOUT_DIR."""
    try:
        for line in run(exe_ctx, command):
            result.AppendMessage(_printable(line))
        result.SetStatus(lldb.eReturnStatusSuccessFinishResult)
    except (MemviewError, OSError) as e:
        result.SetError(_printable("memview: %s" % e))


def __lldb_init_module(debugger, internal_dict):
    debugger.HandleCommand(
        'command script add -f %s.memview_command memview' % __name__)
