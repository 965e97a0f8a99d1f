#!/usr/bin/env python3
"""Regenerates docs/screenshot.png: `memview --demo` under its own Xvfb, a few edits typed
with xdotool (own edits in the demo's scratch area, a selection in the live sine wave), then
a capture of the window. Not a test; run by hand after UI changes:
    python3 tests/gui/screenshot.py build/gui/app/gui/memview docs/screenshot.png
"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_xvfb import start_xvfb, xdotool  # noqa: E402


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
        steps = [
            ("key", "ctrl+g"), ("type", "1672"), ("key", "Return"), ("type", "deadbeef"),
            ("key", "Tab"), ("type", " memview"), ("key", "Tab"),
            ("key", "ctrl+g"), ("type", "0x540"), ("key", "Return"),
        ] + [("key", "shift+Right")] * 7
        for verb, arg in steps:
            xdotool(env, verb, arg)
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
