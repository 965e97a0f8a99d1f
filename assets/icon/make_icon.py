#!/usr/bin/env python3
"""Draws the memview icon: a dark tile holding a small hex grid, one byte glowing as a
changed byte does in the viewer and one framed by the cursor. Writes memview.svg and, with
ImageMagick's `convert` (the same shapes as -draw primitives), memview.png at 256x256.
Run from anywhere: python3 assets/icon/make_icon.py"""
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE = 256
BG = "#1b2130"
BORDER = "#3a4a6b"
CELL = "#56627a"
CELL_ZERO = "#343d50"
GLOW = "#ff9a1e"
CURSOR = "#f2f4f8"
ADDR = "#6e96c8"

# 4 rows x 4 byte cells, an address bar on the left of each row.
shapes = []  # (kind, x0, y0, x1, y1, fill, stroke, radius)
shapes.append(("rect", 8, 8, 248, 248, BG, BORDER, 40))
pattern = [
    [1, 0, 1, 1],
    [0, 2, 1, 0],
    [1, 1, 0, 3],
    [0, 1, 1, 0],
]
top, left, cell_w, cell_h, gap = 48, 88, 30, 26, 8
for r, row in enumerate(pattern):
    y = top + r * (cell_h + 14)
    shapes.append(("rect", 34, y + 7, 70, y + cell_h - 7, ADDR, None, 5))
    for c, kind in enumerate(row):
        x = left + c * (cell_w + gap)
        fill = {0: CELL_ZERO, 1: CELL, 2: GLOW, 3: CELL}[kind]
        shapes.append(("rect", x, y, x + cell_w, y + cell_h, fill, None, 6))
        if kind == 3:
            shapes.append(("frame", x - 5, y - 5, x + cell_w + 5, y + cell_h + 5, None, CURSOR, 8))
# A live trace under the grid, like a value changing over time.
trace = [(34, 216), (70, 216), (92, 198), (120, 206), (152, 184), (184, 202), (222, 190)]


def svg():
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" '
           f'viewBox="0 0 {SIZE} {SIZE}">']
    for kind, x0, y0, x1, y1, fill, stroke, rad in shapes:
        attrs = f'x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" rx="{rad}"'
        if kind == "rect":
            extra = f' stroke="{stroke}" stroke-width="6"' if stroke else ""
            out.append(f'  <rect {attrs} fill="{fill}"{extra}/>')
        else:
            out.append(f'  <rect {attrs} fill="none" stroke="{stroke}" stroke-width="5"/>')
    pts = " ".join(f"{x},{y}" for x, y in trace)
    out.append(f'  <polyline points="{pts}" fill="none" stroke="{GLOW}" stroke-width="7" '
               'stroke-linecap="round" stroke-linejoin="round"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def png(path):
    cmd = ["convert", "-size", f"{SIZE}x{SIZE}", "xc:none"]
    for kind, x0, y0, x1, y1, fill, stroke, rad in shapes:
        if kind == "rect":
            cmd += ["-fill", fill, "-stroke", stroke or "none", "-strokewidth", "6" if stroke else "0",
                    "-draw", f"roundrectangle {x0},{y0} {x1},{y1} {rad},{rad}"]
        else:
            cmd += ["-fill", "none", "-stroke", stroke, "-strokewidth", "5",
                    "-draw", f"roundrectangle {x0},{y0} {x1},{y1} {rad},{rad}"]
    pts = " ".join(f"{x},{y}" for x, y in trace)
    cmd += ["-fill", "none", "-stroke", GLOW, "-strokewidth", "7", "-draw", f"polyline {pts}"]
    cmd += ["-depth", "8", "-strip", path]
    subprocess.run(cmd, check=True)


if __name__ == "__main__":
    with open(os.path.join(HERE, "memview.svg"), "w") as f:
        f.write(svg())
    png(os.path.join(HERE, "memview.png"))
