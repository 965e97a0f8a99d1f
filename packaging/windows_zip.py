#!/usr/bin/env python3
"""The Windows zip: memview-VERSION-windows-x86_64.zip with one top folder holding
memview.exe, memview-cli.exe (statically linked, no DLLs), README.md, windows.md and
LICENSE.txt. Entries are sorted and dated 2026-01-01 so the same files give the same zip.

  windows_zip.py --version V --bin DIR --root SOURCE_DIR --out DIR   (prints the zip's path)
"""
import argparse
import os
import sys
import zipfile

FIXED_DATE = (2026, 1, 1, 0, 0, 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", required=True)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    top = f"memview-{args.version}-windows-x86_64"
    files = {
        "memview.exe": os.path.join(args.bin, "memview.exe"),
        "memview-cli.exe": os.path.join(args.bin, "memview-cli.exe"),
        "README.md": os.path.join(args.root, "README.md"),
        "windows.md": os.path.join(args.root, "docs", "windows.md"),
        "LICENSE.txt": os.path.join(args.root, "LICENSE"),
    }
    missing = [p for p in files.values() if not os.path.isfile(p)]
    if missing:
        sys.exit(f"error: cannot package, missing: {' '.join(missing)}")
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"{top}.zip")
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{top}/{name}", FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o755 if name.endswith(".exe") else 0o644) << 16
            with open(files[name], "rb") as f:
                z.writestr(info, f.read())
    os.replace(tmp, path)
    print(path)


if __name__ == "__main__":
    main()
