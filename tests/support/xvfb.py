"""Shared by the real-window tests (GUI, gdb extension, wine): a private Xvfb on a free
display, and xdotool with errors that say what failed."""
import os
import select
import subprocess
import time


def start_xvfb(screen="1600x1000x24", timeout=30):
    """Starts Xvfb on a free display (it picks one and tells us through -displayfd).
    Returns (process, ":N"); the caller terminates the process."""
    r, w = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(w), "-screen", "0", screen, "-nolisten", "tcp"],
        pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    data = b""
    deadline = time.time() + timeout
    try:
        while not data.endswith(b"\n"):
            left = deadline - time.time()
            if left <= 0 or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("Xvfb did not start")
            ready, _, _ = select.select([r], [], [], left)
            if ready:
                chunk = os.read(r, 64)
                if not chunk:
                    break
                data += chunk
    finally:
        os.close(r)
    if not data.strip():
        proc.kill()
        raise RuntimeError("Xvfb did not start")
    return proc, ":" + data.decode().strip()


def xdotool(env, *args, timeout=30):
    res = subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True,
                         timeout=timeout)
    if res.returncode != 0:
        raise RuntimeError(f"xdotool {' '.join(args)} failed: {res.stderr.strip()}")
    return res.stdout.strip()
