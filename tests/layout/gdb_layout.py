"""Runs inside gdb (gdb -batch -x gdb_layout.py): prints the layouts of the types listed in
$LAYOUT_TYPES (one per line) as gcc's DWARF debug information describes them, one JSON line
per type, in memview's `layout --json` shape (anonymous members flattened, named members
followed by their children, arrays as one entry, unnamed bitfields not listed). A bitfield
also carries its declared type as "ctype" (the gcc program that checks it needs its size).
Output goes to $LAYOUT_OUT, a file: nothing depends on how gdb buffers its own stdout."""
import json
import os

import gdb  # noqa: provided by gdb


def array_count(t):
    if t.sizeof == 0:  # a flexible array member has no upper bound in DWARF
        return 0
    lo, hi = t.range()
    return hi - lo + 1


def walk(t, base_bits, prefix, out):
    for f in t.fields():
        if not hasattr(f, "bitpos"):  # static members
            continue
        ft = f.type
        st = ft.strip_typedefs()
        bits = base_bits + f.bitpos
        if not f.name:
            if f.bitsize:  # unnamed bitfield: padding
                continue
            walk(st, bits, prefix, out)  # anonymous struct/union: flattened
            continue
        path = prefix + f.name
        entry = {"path": path, "offset": bits // 8, "bit_offset": bits,
                 "bit_width": f.bitsize or None, "size": ft.sizeof, "count": None}
        if f.bitsize:
            entry["ctype"] = str(ft)
        if st.code == gdb.TYPE_CODE_ARRAY:
            n = array_count(st)
            entry["count"] = n
            if n == 0:
                entry["size"] = 0
        out.append(entry)
        if st.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION) and not f.bitsize:
            walk(st, bits, path + ".", out)


def main():
    names = [n for n in os.environ["LAYOUT_TYPES"].split("\n") if n.strip()]
    with open(os.environ["LAYOUT_OUT"], "w") as o:
        for name in names:
            t = gdb.lookup_type(name)
            fields = []
            walk(t.strip_typedefs(), 0, "", fields)
            o.write(json.dumps({"type": name, "size": t.sizeof,
                                "align": t.alignof if hasattr(t, "alignof") else None,
                                "fields": fields}) + "\n")


main()
