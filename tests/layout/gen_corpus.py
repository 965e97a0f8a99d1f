#!/usr/bin/env python3
"""Generates a random corpus of C (or C++) struct/union declarations and a program that
prints gcc's own answer for their layouts.

The corpus exercises what makes layouts hard: bitfields of mixed widths and types (also
unnamed and zero-width ones), unions, packed/aligned attributes on records and members,
#pragma pack, nested named and anonymous members, arrays (also of records and 2-D), enums
of several underlying types, and flexible array members.

Outputs in --out DIR:
  corpus.h     the declarations
  truth.c/.cc  prints one JSON line per type with gcc's answer: sizeof, _Alignof, and per
               field offsetof / sizeof / element count, and for bitfields the bit offset and
               width found by setting all bits of the field in a zeroed object
  types.json   the type names to query (some by typedef name)

The field list (paths) comes from the generator, which knows the declarations; every value
comes from the compiled program. Deterministic for a given --seed.
"""
import argparse
import json
import os
import random

INT_TYPES = [  # (spelling, bits, signed)
    ("char", 8, True), ("signed char", 8, True), ("unsigned char", 8, False),
    ("short", 16, True), ("unsigned short", 16, False), ("int", 32, True),
    ("unsigned int", 32, False), ("long", 64, True), ("unsigned long", 64, False),
    ("long long", 64, True), ("unsigned long long", 64, False), ("int8_t", 8, True),
    ("uint8_t", 8, False), ("int16_t", 16, True), ("uint16_t", 16, False),
    ("int32_t", 32, True), ("uint32_t", 32, False), ("int64_t", 64, True),
    ("uint64_t", 64, False),
]
OTHER_SCALARS = ["float", "double", "long double", "void *", "const char *", "BOOL",
                 "enum e_small", "enum e_neg", "enum e_big", "enum e_packed", "size_t"]

PRELUDE_C = """\
#include <stddef.h>
#include <stdint.h>
#define BOOL _Bool
enum e_small { S_A, S_B, S_C };
enum e_neg { N_M = -3, N_P = 7 };
enum e_big { B_BIG = 0x100000000 };
enum __attribute__((packed)) e_packed { P_X = 1, P_Y = 200 };
"""
PRELUDE_CXX = PRELUDE_C.replace("#define BOOL _Bool", "#define BOOL bool")


class Gen:
    def __init__(self, rng, cxx):
        self.rng = rng
        self.cxx = cxx
        self.nestable = []  # (type spelling, is_union) of complete types usable as members
        self.counter = 0
        self.stats = {"anonymous_members": 0, "inline_named_records": 0, "unnamed_bitfields": 0,
                      "pragma_pack": 0, "typedefs": 0, "record_arrays": 0}

    def name(self):
        self.counter += 1
        return "f%d" % self.counter

    def scalar(self):
        r = self.rng
        if r.random() < 0.7:
            return r.choice(INT_TYPES)[0]
        return r.choice(OTHER_SCALARS)

    def bitfield(self):
        """(type, width) of a named bitfield."""
        r = self.rng
        choice = r.random()
        if choice < 0.08:
            return "BOOL", 1
        if choice < 0.16 and not self.cxx:
            return "enum e_small", r.randint(2, 32)
        t, bits, _ = r.choice(INT_TYPES)
        # favour small widths but cover the full range
        width = r.randint(1, bits) if r.random() < 0.5 else r.randint(1, min(bits, 12))
        return t, width

    def member_attr(self):
        r = self.rng
        x = r.random()
        if x < 0.06:
            return " __attribute__((aligned(%d)))" % r.choice([1, 2, 4, 8, 16, 32])
        if x < 0.10:
            return " __attribute__((packed))"
        return ""

    def record_attr(self):
        r = self.rng
        parts = []
        if r.random() < 0.15:
            parts.append("packed")
        if r.random() < 0.10:
            parts.append("aligned(%d)" % r.choice([1, 2, 4, 8, 16, 32, 64]))
        return " __attribute__((%s))" % ", ".join(parts) if parts else ""

    def members(self, depth, is_union, allow_fam, indent, prefix, in_anonymous=False):
        """Returns (lines, fields). fields: list of descriptors in the engine's order."""
        r = self.rng
        lines, fields = [], []
        n = r.randint(1, 7 if depth == 0 else 4)
        named = 0
        for i in range(n):
            k = r.random()
            pad = "  " * indent
            if k < 0.30 or (named == 0 and i == n - 1):
                t, nm = self.scalar(), self.name()
                lines.append("%s%s %s%s;" % (pad, t, nm, self.member_attr()))
                fields.append(dict(path=prefix + nm, kind="plain"))
                named += 1
            elif k < 0.50:
                t, w = self.bitfield()
                nm = self.name()
                lines.append("%s%s %s : %d;" % (pad, t, nm, w))
                fields.append(dict(path=prefix + nm, kind="bitfield", ctype=t))
                named += 1
            elif k < 0.56:
                t, bits, _ = r.choice(INT_TYPES[:11])
                w = r.choice([0, r.randint(1, bits)])
                lines.append("%s%s : %d;" % (pad, t, w))  # unnamed: padding, not listed
                self.stats["unnamed_bitfields"] += 1
            elif k < 0.68:
                nm = self.name()
                if self.nestable and r.random() < 0.35:
                    t = r.choice(self.nestable)[0]
                    self.stats["record_arrays"] += 1
                else:
                    t = self.scalar()
                dims = "[%d]" % r.randint(1, 5)
                if r.random() < 0.2:
                    dims += "[%d]" % r.randint(1, 3)
                lines.append("%s%s %s%s%s;" % (pad, t, nm, dims, self.member_attr()))
                fields.append(dict(path=prefix + nm, kind="array"))
                named += 1
            elif k < 0.78 and self.nestable:
                t, _ = r.choice(self.nestable)
                nm = self.name()
                lines.append("%s%s %s%s;" % (pad, t, nm, self.member_attr()))
                fields.append(dict(path=prefix + nm, kind="plain"))
                fields.extend(self.children_of[t](prefix + nm + "."))
                named += 1
            elif k < 0.88 and depth < 3 and not (self.cxx and in_anonymous):
                # inline definition of a named member's type
                kw = "union" if r.random() < 0.4 else "struct"
                nm = self.name()
                sub_lines, sub_fields = self.members(depth + 1, kw == "union", False, indent + 1,
                                                     prefix + nm + ".")
                lines.append("%s%s%s {" % (pad, kw, self.record_attr()))
                lines.extend(sub_lines)
                lines.append("%s} %s;" % (pad, nm))
                self.stats["inline_named_records"] += 1
                fields.append(dict(path=prefix + nm, kind="plain"))
                fields.extend(sub_fields)
                named += 1
            elif depth < 3:
                # anonymous struct/union member: its members belong to the parent
                kw = "union" if r.random() < 0.5 else "struct"
                sub_lines, sub_fields = self.members(depth + 1, kw == "union", False, indent + 1,
                                                     prefix, in_anonymous=True)
                lines.append("%s%s%s {" % (pad, kw, self.record_attr()))
                lines.extend(sub_lines)
                lines.append("%s};" % pad)
                self.stats["anonymous_members"] += 1
                fields.extend(sub_fields)
                named += len(sub_fields) > 0
            else:
                t, nm = self.scalar(), self.name()
                lines.append("%s%s %s;" % (pad, t, nm))
                fields.append(dict(path=prefix + nm, kind="plain"))
                named += 1
        if allow_fam and not is_union and r.random() < 0.12:
            nm = self.name()
            t = r.choice(["char", "int", "uint16_t", "double", "uint64_t"])
            lines.append("%s%s %s[];" % ("  " * indent, t, nm))
            fields.append(dict(path=prefix + nm, kind="fam"))
        return lines, fields

    def top(self, index):
        r = self.rng
        self.counter = 0
        is_union = r.random() < 0.25
        kw = "union" if is_union else "struct"
        tag = "t%d" % index
        lines, fields = self.members(0, is_union, True, 1, "")
        pragma = r.choice([None, None, None, None, None, None, None, 1, 2, 4])
        out = []
        if pragma:
            out.append("#pragma pack(push, %d)" % pragma)
            self.stats["pragma_pack"] += 1
        out.append("%s%s %s {" % (kw, self.record_attr(), tag))
        out.extend(lines)
        out.append("};")
        if pragma:
            out.append("#pragma pack(pop)")
        spelling = "%s %s" % (kw, tag)
        has_fam = any(f["kind"] == "fam" for f in fields)
        if not has_fam:
            self.nestable.append((spelling, is_union))
            frozen = [dict(f) for f in fields]
            self.children_of[spelling] = lambda p, fr=frozen: [
                dict(f, path=p + f["path"]) for f in fr]
        names = [spelling]
        if r.random() < 0.2:
            out.append("typedef %s %s_t;" % (spelling, tag))
            names.append(tag + "_t")
            self.stats["typedefs"] += 1
        return out, spelling, names, fields


def truth_program(types, cxx, header="corpus.h", undef_members=False):
    """A program that prints gcc's answer for every type as one JSON line each.
    undef_members: #undef every member name first (system headers define members such as
    si_addr or sa_handler as macros that expand to a longer member path)."""
    align = "alignof" if cxx else "_Alignof"
    # The header first: one that defines _GNU_SOURCE itself must come before any libc header.
    p = ['#include "%s"' % header, '#include <stddef.h>', '#include <stdio.h>',
         '#include <string.h>', '']
    if undef_members:
        names = sorted({part for _, fields in types for f in fields
                        for part in f["path"].split(".")})
        p += ["#undef %s" % n for n in names]
    p += [
         'static volatile unsigned long long ones = ~0ULL;',
         'static void bits(const void* v, size_t n, long* lo, long* cnt) {',
         '  const unsigned char* b = (const unsigned char*)v; long hi = -1; *lo = -1; *cnt = 0;',
         '  for (size_t i = 0; i < n * 8; i++) if (b[i / 8] >> (i % 8) & 1) {',
         '    if (*lo < 0) *lo = (long)i; hi = (long)i; (*cnt)++; }',
         '  if (*cnt != hi - *lo + 1) *cnt = -1; /* not contiguous */',
         '}', '', 'int main(void) {', '  long lo, cnt; (void)lo; (void)cnt;']
    for spelling, fields in types:
        p.append('  {')
        p.append('    %s x; (void)x;' % spelling)
        p.append('    printf("{\\"type\\":\\"%s\\",\\"size\\":%%zu,\\"align\\":%%zu,\\"fields\\":[", '
                 'sizeof(%s), (size_t)%s(%s));' % (spelling, spelling, align, spelling))
        for i, f in enumerate(fields):
            sep = "," if i else ""
            path = f["path"]
            if f["kind"] == "bitfield":
                value = "1" if f["ctype"] == "BOOL" else "(%s)ones" % f["ctype"]
                p.append('    memset(&x, 0, sizeof x); x.%s = %s; bits(&x, sizeof x, &lo, &cnt);'
                         % (path, value))
                p.append('    printf("%s{\\"path\\":\\"%s\\",\\"offset\\":%%ld,\\"bit_offset\\":%%ld,'
                         '\\"bit_width\\":%%ld,\\"size\\":%%zu,\\"count\\":null}", lo / 8, lo, cnt, '
                         'sizeof(%s));' % (sep, path, f["ctype"]))
            elif f["kind"] == "fam":
                # sizeof of a flexible array member is not defined: its size is 0 and its
                # count 0 by definition; its offset comes from gcc.
                p.append('    printf("%s{\\"path\\":\\"%s\\",\\"offset\\":%%zu,\\"bit_offset\\":%%zu,'
                         '\\"bit_width\\":null,\\"size\\":0,\\"count\\":0}", offsetof(%s, %s), '
                         'offsetof(%s, %s) * 8);' % (sep, path, spelling, path, spelling, path))
            else:
                count = ('printf("%%zu", sizeof(x.%s) / sizeof(x.%s[0]))' % (path, path)
                         if f["kind"] == "array" else 'printf("null")')
                p.append('    printf("%s{\\"path\\":\\"%s\\",\\"offset\\":%%zu,\\"bit_offset\\":%%zu,'
                         '\\"bit_width\\":null,\\"size\\":%%zu,\\"count\\":", offsetof(%s, %s), '
                         'offsetof(%s, %s) * 8, sizeof(x.%s));' % (sep, path, spelling, path,
                                                                   spelling, path, path))
                p.append('    %s; printf("}");' % count)
        p.append('    printf("]}\\n");')
        p.append('  }')
    p.append('  return 0;')
    p.append('}')
    return "\n".join(p) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, default=240)
    ap.add_argument("--lang", choices=["c", "c++"], default="c")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    cxx = a.lang == "c++"
    g = Gen(rng, cxx)
    g.children_of = {}
    header = [PRELUDE_CXX if cxx else PRELUDE_C]
    types, queries = [], []
    for i in range(a.count):
        lines, spelling, names, fields = g.top(i)
        header.append("\n".join(lines) + "\n")
        types.append((spelling, fields))
        queries.append(dict(spelling=spelling, names=names))
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "corpus.h"), "w") as f:
        f.write("/* generated by gen_corpus.py --seed %d --count %d --lang %s */\n"
                % (a.seed, a.count, a.lang))
        f.write("\n".join(header))
    with open(os.path.join(a.out, "truth.cc" if cxx else "truth.c"), "w") as f:
        f.write(truth_program(types, cxx))
    with open(os.path.join(a.out, "types.json"), "w") as f:
        json.dump(queries, f, indent=1)
    with open(os.path.join(a.out, "stats.json"), "w") as f:
        json.dump(g.stats, f, indent=1)


if __name__ == "__main__":
    main()
