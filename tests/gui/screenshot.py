#!/usr/bin/env python3
"""Regenerates docs/screenshot.png: `memview --demo` under its own Xvfb (struct telemetry
overlaid at 0: coloured fields in the grid, the live tree beside it), the cursor moved with
Ctrl+G, a field selected by clicking it in the tree, and the mouse resting on a grid byte so
its tooltip names the overlay field. Not a test; run by hand after UI changes:
    python3 tests/gui/screenshot.py build/gui/app/gui/memview docs/screenshot.png
"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from xvfb import start_xvfb, xdotool  # noqa: E402


def main():
    memview, out = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    xvfb, display = start_xvfb()
    cfg = tempfile.mkdtemp(prefix="memview-shot-")
    env = dict(os.environ, DISPLAY=display, XDG_CONFIG_HOME=cfg)
    app = None
    try:
        app = subprocess.Popen([memview, "--demo"], env=env, cwd=cfg)
        wid = xdotool(env, "search", "--sync", "--onlyvisible", "--name", "^memview").split()[0]
        xdotool(env, "windowfocus", "--sync", wid)
        time.sleep(1.0)
        steps = [("key", "ctrl+g"), ("type", "0x40"), ("key", "Return")]
        for verb, arg in steps:
            xdotool(env, verb, arg)
        time.sleep(0.5)
        # Click the tree row of `speed_kmh` (selects its 4 bytes), then rest the mouse on a
        # byte of `battery_pct` in the grid for its tooltip. Positions are those of the
        # default 1400x860 window at scale 1.
        xdotool(env, "mousemove", "--window", wid, "735", "765")
        xdotool(env, "click", "1")
        time.sleep(0.3)
        xdotool(env, "mousemove", "--window", wid, "205", "169")
        time.sleep(1.5)
        subprocess.run(["import", "-window", wid, out], env=env, check=True)
        print(f"wrote {out}")
    finally:
        if app is not None:
            app.terminate()
            app.wait(timeout=30)
        xvfb.terminate()
        xvfb.wait(timeout=30)


if __name__ == "__main__":
    main()
