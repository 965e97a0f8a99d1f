"""Shared by the real-window viewer tests (tests/gui/e2e_*.py): the steps every one of them
takes with the `memview` window under Xvfb, each failing with what went wrong."""
import os
import subprocess

from xvfb import xdotool


def find_window(env, timeout=30):
    """The id of memview's visible window, once it is mapped, with the keyboard focus."""
    wid = xdotool(env, "search", "--sync", "--onlyvisible", "--name", "^memview",
                  timeout=timeout).splitlines()[0]
    xdotool(env, "windowfocus", "--sync", wid)
    return wid


def screenshot(env, wid, path):
    """Saves the window as a PNG; returns None, or why it could not."""
    res = subprocess.run(["import", "-window", wid, path], env=env, capture_output=True,
                         text=True, timeout=30)
    if res.returncode != 0 or not os.path.exists(path):
        return f"screenshot failed: {res.stderr.strip()}"
    return None


def quit_viewer(env, app, what="memview"):
    """Ctrl+Q, then the viewer must exit with 0 within a minute; returns the failures."""
    xdotool(env, "key", "ctrl+q")
    try:
        rc = app.wait(timeout=60)
    except subprocess.TimeoutExpired:
        return [f"{what} did not quit on Ctrl+Q"]
    return [] if rc == 0 else [f"{what} exited with {rc}"]


def kill_viewer(app):
    if app is not None and app.poll() is None:
        app.kill()
        app.wait()


def stop_xvfb(xvfb):
    if xvfb is None:
        return
    xvfb.terminate()
    try:
        xvfb.wait(timeout=10)
    except subprocess.TimeoutExpired:
        xvfb.kill()


def print_log(path, log):
    """Passes what the viewer printed (its log file) to `log`, if it printed anything."""
    if os.path.exists(path):
        with open(path) as f:
            text = f.read().strip()
        if text:
            log("memview output:\n" + text)


def end_viewer(app, app_log, log):
    """Kills the viewer if it still runs, closes its log file and passes what it printed to
    `log`."""
    kill_viewer(app)
    if app_log is not None:
        app_log.close()
        print_log(app_log.name, log)


def report(failures, log):
    """Logs each failure (or PASS); the script's exit status."""
    for f in failures:
        log("FAIL: " + f)
    if not failures:
        log("PASS")
    return 1 if failures else 0


def pixels(path, box):
    """RGB triples of the box (x0, y0, x1, y1) of a PNG, through ImageMagick."""
    x0, y0, x1, y1 = box
    raw = subprocess.run(["convert", path, "-crop", f"{x1 - x0}x{y1 - y0}+{x0}+{y0}", "+repage",
                          "-depth", "8", "rgb:-"], capture_output=True, check=True,
                         timeout=60).stdout
    return [tuple(raw[i:i + 3]) for i in range(0, len(raw) - 2, 3)]


def near(c, want, tol=8):
    """Whether the colour c is within `tol` of `want` in every channel."""
    return all(abs(a - b) <= tol for a, b in zip(c, want))


def count_near(path, box, want, tol=8):
    """Pixels of the box within `tol` of the colour `want` in every channel."""
    return sum(1 for c in pixels(path, box) if near(c, want, tol))
