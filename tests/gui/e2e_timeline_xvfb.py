#!/usr/bin/env python3
"""End-to-end test of the timeline in the real `memview` window under its own Xvfb.

`memview --demo` (the demo producer writes struct telemetry at 0 all the time) is driven
with xdotool as a user would: the Watches tab gets a watch of the frame counter
(u64@0x10), Record... > Start recording records for about 2 s, then a drag on the timeline
strip scrubs back to its middle. The screenshot (gui_timeline.png in MEMVIEW_ARTIFACT_DIR)
must show the strip (the recording's change density drawn in the glow colour in the band
under the grid) and the watch's plot (plot-coloured pixels in the side panel's lower part),
and the window title / status must still be the demo's. Ctrl+Q must quit cleanly.

Positions are those of the default 1400x860 window at scale 1 (as tests/gui/screenshot.py).

Environment: MEMVIEW_GUI (path of memview), MEMVIEW_ARTIFACT_DIR (where the screenshot goes).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from xvfb import start_xvfb, xdotool  # noqa: E402
from viewer_window import (count_near, end_viewer, find_window, near,  # noqa: E402
                           pixels, quit_viewer, report, screenshot, stop_xvfb)

MEMVIEW = os.environ.get("MEMVIEW_GUI", "memview")
ARTIFACTS = os.environ.get("MEMVIEW_ARTIFACT_DIR", os.getcwd())

# Widgets of the default window (x, y inside it).
RECORD_BUTTON = (956, 60)
START_BUTTON = (1027, 274)
WATCHES_TAB = (1258, 456)
WATCH_ADD_BOX = (744, 481)
STRIP = (10, 788, 649, 820)  # (x0, y0, x1, y1): the density band under the grid
PLOT = (658, 540, 1392, 828)  # (x0, y0, x1, y1): the side panel under the watch table
# Colours of the dark theme (app/gui/theme.cpp): the density bars are the glow colour
# drawn opaque, the plot's line is the first field hue's text colour.
GLOW = (240, 140, 30)
CURSOR = (255, 255, 255)
PLOT_LINE = (190, 160, 255)


def log(msg):
    print(f"[e2e-timeline] {msg}", flush=True)


def line_column(path, box, colour):
    """x of the first column of the box that is `colour` over at least 3/4 of its height."""
    x0, y0, x1, y1 = box
    width, height = x1 - x0, y1 - y0
    px = pixels(path, box)
    for x in range(width):
        column = (px[y * width + x] for y in range(height))
        if sum(1 for c in column if near(c, colour, tol=30)) * 4 >= height * 3:
            return x0 + x
    return None


def main():
    tmp = tempfile.mkdtemp(prefix="memview-e2e-timeline-")
    config = os.path.join(tmp, "config")
    workdir = os.path.join(tmp, "cwd")
    os.makedirs(workdir)
    xvfb = app = app_log = None
    failures = []
    try:
        xvfb, display = start_xvfb()
        log(f"Xvfb on {display}")
        env = dict(os.environ, DISPLAY=display, XDG_CONFIG_HOME=config)
        env.pop("WAYLAND_DISPLAY", None)
        app_log = open(os.path.join(tmp, "memview.log"), "w")
        app = subprocess.Popen([MEMVIEW, "--demo"], env=env, cwd=workdir, stdout=app_log,
                               stderr=subprocess.STDOUT)
        wid = find_window(env)
        time.sleep(2.0)  # the demo's overlay is parsed and drawn

        def click(at):
            # Press and release in separate frames: a busy viewer may draw few of them.
            xdotool(env, "mousemove", "--window", wid, str(at[0]), str(at[1]))
            time.sleep(0.4)
            xdotool(env, "mousedown", "1")
            time.sleep(0.25)
            xdotool(env, "mouseup", "1")
            time.sleep(0.6)

        # A watch of the demo's frame counter (it counts all the time): its plot shows.
        click(WATCHES_TAB)
        click(WATCH_ADD_BOX)
        xdotool(env, "type", "u64@0x10")
        xdotool(env, "key", "Return")
        time.sleep(2.0)  # every key is taken before the next click moves the focus
        # Record... > Start recording; about 2 s of the demo.
        click(RECORD_BUTTON)
        click(START_BUTTON)
        time.sleep(2.5)
        # Scrub: press on the strip near its right end and drag to its middle.
        x0, y0, x1, y1 = STRIP
        y = (y0 + y1) // 2
        xdotool(env, "mousemove", "--window", wid, str(x0 + (x1 - x0) * 9 // 10), str(y))
        xdotool(env, "mousedown", "1")
        for frac in (8, 7, 6, 5):
            time.sleep(0.1)
            xdotool(env, "mousemove", "--window", wid, str(x0 + (x1 - x0) * frac // 10), str(y))
        xdotool(env, "mouseup", "1")
        time.sleep(0.3)
        xdotool(env, "mousemove", "--window", wid, "5", "5")  # no tooltip over the strip
        time.sleep(0.7)
        shot = os.path.join(ARTIFACTS, "gui_timeline.png")
        error = screenshot(env, wid, shot)
        if error:
            failures.append(error)
        else:
            log(f"screenshot {shot}")
            # The strip: change density bars (the glow colour, opaque) in its band.
            bars = count_near(shot, STRIP, GLOW)
            log(f"strip: {bars} density pixels")
            if bars < 40:
                failures.append(f"no change density in the strip {STRIP} ({bars} pixels)")
            # The position line: a full-height white column, left where the drag let go
            # (the recording goes on, so the strip's scale shrinks it towards the left),
            # not at the right end where Live would keep it.
            column = line_column(shot, STRIP, CURSOR)
            log(f"strip: position line at x={column}")
            if column is None or not x0 + (x1 - x0) // 10 < column < x0 + (x1 - x0) * 3 // 4:
                failures.append(f"the strip's position line ({column}) is not where the drag "
                                "left it")
            # The watch's plot: its line colour in the plot's box.
            plot = count_near(shot, PLOT, PLOT_LINE)
            log(f"plot: {plot} line pixels")
            if plot < 20:
                failures.append(f"no plot line in {PLOT} ({plot} pixels)")

        failures += quit_viewer(env, app)
        if os.listdir(workdir):
            failures.append(f"files written to the working directory: {os.listdir(workdir)}")
    except Exception as e:  # noqa: BLE001 - reported, the viewer is killed below
        failures.append(repr(e))
    finally:
        end_viewer(app, app_log, log)
        stop_xvfb(xvfb)
        shutil.rmtree(tmp, ignore_errors=True)
    return report(failures, log)


if __name__ == "__main__":
    sys.exit(main())
