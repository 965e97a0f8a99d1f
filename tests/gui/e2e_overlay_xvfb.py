#!/usr/bin/env python3
"""End-to-end test of overlays in the real `memview` window under its own Xvfb.

1. `memview --demo --save-workspace W`: the demo opens with assets/demo/telemetry.h's
   struct telemetry overlaid at 0. A screenshot is taken (gui_demo_overlay.png in
   MEMVIEW_ARTIFACT_DIR); Ctrl+Q quits and the saved workspace must list the demo with
   that overlay.
2. `memview --layout L --save-workspace W shm:NAME`: a python peer owns the object, the
   layout JSON comes from `memview-cli layout --json --full`; the overlay must be there
   (workspace) and be drawn (screenshot gui_layout_overlay.png).
3. `memview --workspace W` reopens the workspace of step 2 (saved again on quit).
4. `memview --help` lists --layout and --workspace (the gdb extension looks for --layout).

Environment: MEMVIEW_GUI, MEMVIEW_CLI, MEMVIEW_ARTIFACT_DIR.
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from multiprocessing import shared_memory

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from xvfb import start_xvfb  # noqa: E402
from viewer_window import (find_window, kill_viewer, print_log, quit_viewer,  # noqa: E402
                           report, screenshot, stop_xvfb)

MEMVIEW = os.environ.get("MEMVIEW_GUI", "memview")
CLI = os.environ.get("MEMVIEW_CLI", "memview-cli")
ARTIFACTS = os.environ.get("MEMVIEW_ARTIFACT_DIR", os.getcwd())

POINT_H = """#include <stdint.h>
enum color { RED, GREEN, BLUE };
struct point {
  int32_t x, y;
  float weight;
  enum color color;
  char label[16];
  struct { uint16_t visible : 1; uint16_t layer : 5; } flags;
};
"""


def log(msg):
    print(f"[e2e-overlay] {msg}", flush=True)


def run_viewer(env, args, cwd, shot, settle=2.5):
    """Starts memview with args, waits for its window, screenshots it, quits with Ctrl+Q."""
    out = open(os.path.join(cwd, "memview.log"), "a")
    app = subprocess.Popen([MEMVIEW] + args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    failures = []
    try:
        wid = find_window(env)
        time.sleep(settle)
        path = os.path.join(ARTIFACTS, shot)
        error = screenshot(env, wid, path)
        failures += [error] if error else []
        log(error or f"screenshot {path}")
        failures += quit_viewer(env, app, f"memview {' '.join(args)}")
    except Exception as e:  # noqa: BLE001 - reported as a failure, the viewer is killed below
        failures.append(f"{' '.join(args)}: {e}")
    finally:
        kill_viewer(app)
        out.close()
    return failures


def main():
    tmp = tempfile.mkdtemp(prefix="memview-e2e-ovl-")
    failures = []
    xvfb = None
    name = f"memview-e2e-ovl-{os.getpid()}"
    shm = shared_memory.SharedMemory(name=name, create=True, size=4096)
    try:
        # 4. --help
        help_text = subprocess.run([MEMVIEW, "--help"], capture_output=True, text=True,
                                   timeout=30).stdout
        for opt in ("--layout", "--workspace", "--save-workspace"):
            if opt not in help_text:
                failures.append(f"memview --help does not list {opt}")

        xvfb, display = start_xvfb()
        env = dict(os.environ, DISPLAY=display, XDG_CONFIG_HOME=os.path.join(tmp, "config"),
                   XDG_RUNTIME_DIR=tmp)
        env.pop("WAYLAND_DISPLAY", None)

        # 1. The demo with its overlay.
        ws1 = os.path.join(tmp, "demo.json")
        failures += run_viewer(env, ["--demo", "--save-workspace", ws1], tmp,
                               "gui_demo_overlay.png")
        try:
            with open(ws1) as f:
                ws = json.load(f)
            src = ws["sources"][0]
            ov = src["overlays"][0]
            if not src.get("demo"):
                failures.append(f"the demo source is not marked as the demo: {src}")
            if ov["type"] != "struct telemetry" or ov["offset"] != 0 or ov["from"] != "header":
                failures.append(f"unexpected demo overlay {ov}")
            elif not ov["header"].endswith("demo/telemetry.h"):
                failures.append(f"demo overlay header {ov['header']}")
            else:
                log(f"demo overlay: {ov['type']} from {ov['header']}")
        except (OSError, KeyError, IndexError, ValueError) as e:
            failures.append(f"demo workspace {ws1}: {e!r}")

        # 2. --layout with a layout JSON from memview-cli, over a python peer's object.
        hdr = os.path.join(tmp, "point.h")
        with open(hdr, "w") as f:
            f.write(POINT_H)
        res = subprocess.run([CLI, "layout", "--header", hdr, "--type", "struct point", "--json",
                              "--full"], capture_output=True, text=True, timeout=60)
        if res.returncode != 0:
            failures.append(f"memview-cli layout failed: {res.stderr.strip()}")
        else:
            layout = os.path.join(tmp, "point.layout.json")
            with open(layout, "w") as f:
                f.write(res.stdout)
            shm.buf[:4096] = bytes(4096)
            struct.pack_into("<iifI16s", shm.buf, 0, -7, 42, 0.5, 2, b"from python")
            ws2 = os.path.join(tmp, "layout.json")
            failures += run_viewer(env, ["--layout", layout, "--save-workspace", ws2,
                                         f"shm:{name}"], tmp, "gui_layout_overlay.png")
            try:
                with open(ws2) as f:
                    ws = json.load(f)
                ov = ws["sources"][0]["overlays"][0]
                if ov["from"] != "layout" or ov["layout"]["type"] != "struct point":
                    failures.append(f"--layout overlay not in the workspace: {ov}")
                else:
                    log(f"--layout overlay: {ov['layout']['type']} at {ov['offset']}")
                # 3. Reopen that workspace; saved again on quit, it must be the same.
                ws3 = os.path.join(tmp, "again.json")
                failures += run_viewer(env, ["--workspace", ws2, "--save-workspace", ws3], tmp,
                                       "gui_workspace_reopened.png", settle=1.5)
                with open(ws3) as f:
                    again = json.load(f)
                if again["sources"] != ws["sources"]:
                    failures.append("the reopened workspace differs:\n"
                                    f"{json.dumps(ws['sources'])}\n{json.dumps(again['sources'])}")
                else:
                    log("workspace reopened identically")
            except (OSError, KeyError, IndexError, ValueError) as e:
                failures.append(f"layout workspace: {e!r}")
    finally:
        stop_xvfb(xvfb)
        print_log(os.path.join(tmp, "memview.log"), log)
        shm.close()
        shm.unlink()
        shutil.rmtree(tmp, ignore_errors=True)
    return report(failures, log)


if __name__ == "__main__":
    sys.exit(main())
