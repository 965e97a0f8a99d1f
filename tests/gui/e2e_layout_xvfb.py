#!/usr/bin/env python3
"""End-to-end test of the viewer's layout in the real `memview` window under its own Xvfb,
at 800x600 and at 2560x1400 (the window resized with xdotool).

A shm object of 64 KiB whose first 2 KiB this script rewrites with random bytes every 2 ms:
every byte of the first rows glows in the grid, in its hex cell and in its ASCII cell. In
each screenshot (gui_layout_800x600.png, gui_layout_2560x1400.png in MEMVIEW_ARTIFACT_DIR)
the glowing columns of the first rows must form two runs, the hex cells and the ASCII
column, the second a third as wide as the first (16 characters beside 16 x 3): the ASCII
column is whole, not covered by the side panel, at both sizes. Ctrl+Q must quit cleanly.

Environment: MEMVIEW_GUI (path of memview), MEMVIEW_ARTIFACT_DIR (where the screenshots go).
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing import shared_memory

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from xvfb import start_xvfb, xdotool  # noqa: E402
from viewer_window import (end_viewer, find_window, pixels, quit_viewer, report,  # noqa: E402
                           screenshot, stop_xvfb)

MEMVIEW = os.environ.get("MEMVIEW_GUI", "memview")
ARTIFACTS = os.environ.get("MEMVIEW_ARTIFACT_DIR", os.getcwd())
SIZES = [(800, 600), (2560, 1400)]
ROWS = (110, 200)  # y band of the first grid rows (below the menu, tabs, toolbar, header)


def log(msg):
    print(f"[e2e-layout] {msg}", flush=True)


def glowing(c):
    """The change glow (dark theme: orange at partial alpha over the dark background)."""
    r, g, b = c
    return r >= 90 and r - b >= 55 and b <= g <= r


def glow_runs(path, width):
    """Runs [x0, x1] of columns that glow over the rows band."""
    y0, y1 = ROWS
    px = pixels(path, (0, y0, width, y1))
    counts = [0] * width
    for i, c in enumerate(px):
        if glowing(c):
            counts[i % width] += 1
    runs = []
    for x in range(width):
        if counts[x] < (y1 - y0) // 8:
            continue
        if runs and x - runs[-1][1] <= 1:
            runs[-1][1] = x
        else:
            runs.append([x, x])
    return runs


def check_size(env, wid, size, failures):
    w, h = size
    xdotool(env, "windowsize", "--sync", wid, str(w), str(h))
    time.sleep(1.5)  # a few frames at the new size
    path = os.path.join(ARTIFACTS, f"gui_layout_{w}x{h}.png")
    err = screenshot(env, wid, path)
    if err:
        failures.append(err)
        return
    got = subprocess.run(["identify", "-format", "%wx%h", path], capture_output=True,
                         text=True, timeout=30).stdout.strip()
    if got != f"{w}x{h}":
        failures.append(f"the window is {got}, not {w}x{h}")
        return
    runs = glow_runs(path, w)
    log(f"{w}x{h}: glowing runs {runs}")
    if len(runs) < 2:
        failures.append(f"{w}x{h}: the grid's hex and ASCII columns do not both glow ({runs})")
        return
    hex_w = runs[-2][1] - runs[0][0] + 1
    ascii_w = runs[-1][1] - runs[-1][0] + 1
    ratio = ascii_w / hex_w
    log(f"{w}x{h}: ASCII column {ascii_w} px beside {hex_w} px of hex cells ({ratio:.3f})")
    if not 0.28 <= ratio <= 0.40:
        failures.append(f"{w}x{h}: the ASCII column is cut ({ascii_w} px beside {hex_w} px)")
    if runs[-1][1] >= w - 1:
        failures.append(f"{w}x{h}: the ASCII column runs off the window")


def main():
    tmp = tempfile.mkdtemp(prefix="memview-e2e-layout-")
    config = os.path.join(tmp, "config")
    workdir = os.path.join(tmp, "cwd")
    os.makedirs(workdir)
    name = f"memview-e2e-layout-{os.getpid()}"
    shm = shared_memory.SharedMemory(name=name, create=True, size=65536)
    stop = threading.Event()

    def writer():
        rng = random.Random(1)
        while not stop.is_set():
            shm.buf[0:0x800] = rng.randbytes(0x800)
            time.sleep(0.002)

    thread = threading.Thread(target=writer)
    thread.start()
    xvfb = app = app_log = None
    failures = []
    try:
        xvfb, display = start_xvfb(screen="2600x1500x24")
        log(f"Xvfb on {display}")
        env = dict(os.environ, DISPLAY=display, XDG_CONFIG_HOME=config)
        env.pop("WAYLAND_DISPLAY", None)
        app_log = open(os.path.join(tmp, "memview.log"), "w")
        app = subprocess.Popen([MEMVIEW, f"shm:{name}"], env=env, cwd=workdir, stdout=app_log,
                               stderr=subprocess.STDOUT)
        wid = find_window(env)
        time.sleep(1.0)
        for size in SIZES:
            check_size(env, wid, size, failures)
        failures += quit_viewer(env, app)
    except Exception as e:  # noqa: BLE001 - reported, the viewer is killed below
        failures.append(repr(e))
    finally:
        stop.set()
        thread.join()
        end_viewer(app, app_log, log)
        stop_xvfb(xvfb)
        shm.close()
        shm.unlink()
        shutil.rmtree(tmp, ignore_errors=True)
    return report(failures, log)


if __name__ == "__main__":
    sys.exit(main())
