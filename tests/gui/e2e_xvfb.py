#!/usr/bin/env python3
"""End-to-end test of the real `memview` window: its own Xvfb, xdotool as the user, and
python's multiprocessing.shared_memory as the peer process that owns the object.

The peer creates an object; memview opens it by spec; xdotool presses Ctrl+G, types an
offset and hex digits (once at xdotool's normal pace, once as a zero-delay burst); the peer
must then read exactly those bytes. A foreign write by the peer is captured in a screenshot
(gui_e2e.png in MEMVIEW_ARTIFACT_DIR). Ctrl+Q must quit cleanly, leaving the ImGui layout
under $XDG_CONFIG_HOME/memview and nothing in the working directory.

Environment: MEMVIEW_GUI (path of memview), MEMVIEW_ARTIFACT_DIR (where the screenshot goes).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
from multiprocessing import shared_memory

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from xvfb import start_xvfb, xdotool  # noqa: E402
from viewer_window import (end_viewer, find_window, quit_viewer, report,  # noqa: E402
                           screenshot, stop_xvfb)

MEMVIEW = os.environ.get("MEMVIEW_GUI", "memview")
ARTIFACTS = os.environ.get("MEMVIEW_ARTIFACT_DIR", os.getcwd())


def log(msg):
    print(f"[e2e] {msg}", flush=True)


def wait_for(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def main():
    tmp = tempfile.mkdtemp(prefix="memview-e2e-")
    config = os.path.join(tmp, "config")
    workdir = os.path.join(tmp, "cwd")
    os.makedirs(workdir)
    name = f"memview-e2e-{os.getpid()}"
    shm = shared_memory.SharedMemory(name=name, create=True, size=4096)
    shm.buf[:4096] = bytes(4096)
    shm.buf[0:24] = b"memview end-to-end test\0"
    xvfb = app = app_log = None
    failures = []
    try:
        xvfb, display = start_xvfb()
        log(f"Xvfb on {display}")
        env = dict(os.environ, DISPLAY=display, XDG_CONFIG_HOME=config)
        env.pop("WAYLAND_DISPLAY", None)
        app_log = open(os.path.join(tmp, "memview.log"), "w")
        app = subprocess.Popen([MEMVIEW, f"shm:{name}"], env=env, cwd=workdir,
                               stdout=app_log, stderr=subprocess.STDOUT)
        wid = find_window(env)
        # The title names the active tab once the first frames have drawn it.
        deadline = time.monotonic() + 15
        title = xdotool(env, "getwindowname", wid)
        while f"shm:/{name}" not in title and time.monotonic() < deadline:
            time.sleep(0.1)
            title = xdotool(env, "getwindowname", wid)
        log(f"window {wid}: {title}")
        if f"shm:/{name}" not in title:
            failures.append(f"window title {title!r} does not name the source")
        time.sleep(0.5)

        # 1. At xdotool's normal typing pace.
        xdotool(env, "key", "ctrl+g")
        xdotool(env, "type", "0x100")
        xdotool(env, "key", "Return")
        xdotool(env, "type", "cafebabe")
        want = bytes.fromhex("cafebabe")
        try:
            wait_for(lambda: bytes(shm.buf[0x100:0x104]) == want, 60, "the typed bytes at 0x100")
            log("peer reads ca fe ba be at 0x100")
        except AssertionError as e:
            failures.append(f"{e}; peer sees {bytes(shm.buf[0x100:0x104]).hex()}")
            screenshot(env, wid, os.path.join(ARTIFACTS, "gui_e2e_step1.png"))

        # 2. A burst: every key sent with no delay must still land (the key queue).
        burst = "00112233445566778899aabbccddeeff"
        xdotool(env, "key", "--delay", "0", "ctrl+g")
        xdotool(env, "type", "--delay", "0", "512")
        xdotool(env, "key", "--delay", "0", "Return")
        xdotool(env, "type", "--delay", "0", burst)
        try:
            wait_for(lambda: bytes(shm.buf[512:528]) == bytes.fromhex(burst), 60,
                     "the burst of 32 hex digits at 512")
            log("peer reads the 16-byte burst at 512")
        except AssertionError as e:
            failures.append(f"{e}; peer sees {bytes(shm.buf[512:528]).hex()}")

        # 3. A foreign write glows: capture it for the screenshot.
        shm.buf[0x40:0x50] = b"written by peer!"
        time.sleep(0.25)
        shot = os.path.join(ARTIFACTS, "gui_e2e.png")
        error = screenshot(env, wid, shot)
        failures += [error] if error else []
        log(error or f"screenshot {shot}")

        # 4. Ctrl+Q quits cleanly; the layout is saved under XDG_CONFIG_HOME only.
        failures += quit_viewer(env, app)
        if not os.path.exists(os.path.join(config, "memview", "imgui.ini")):
            failures.append("no imgui.ini under $XDG_CONFIG_HOME/memview")
        if os.listdir(workdir):
            failures.append(f"files written to the working directory: {os.listdir(workdir)}")
    finally:
        end_viewer(app, app_log, log)
        stop_xvfb(xvfb)
        shm.close()
        shm.unlink()
        shutil.rmtree(tmp, ignore_errors=True)
    return report(failures, log)


if __name__ == "__main__":
    sys.exit(main())
