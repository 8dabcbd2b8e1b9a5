"""The window fits the bench's screen: at 1366x768 and 1280x720 nothing is off screen."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.parametrize("size", ["1366x768", "1280x720"])
def test_the_window_opens_within_a_small_screen(size: str, tmp_path: Path) -> None:
    if shutil.which("xvfb-run") is None:
        pytest.skip("a real X screen of a given size needs xvfb-run (Debian: xvfb xauth)")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PACKSTATION_DATA_DIR": str(tmp_path),
           "PACKSTATION_CONFIG_DIR": str(tmp_path), "PACKSTATION_LOG_DIR": str(tmp_path)}
    env.pop("QT_QPA_PLATFORM", None)  # xcb on the Xvfb screen, not offscreen
    done = subprocess.run(["xvfb-run", "-a", "-s", f"-screen 0 {size}x24", sys.executable,
                           "-m", "tests.screen_fit_child", str(tmp_path / "window.png")],
                          capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    x, y, width, height = found["screen"]
    fx, fy, fwidth, fheight = found["frame"]
    assert (x, y) <= (fx, fy) and fx + fwidth <= x + width and fy + fheight <= y + height
    assert found["status_bottom"] <= y + height  # the status bar is on the screen
    assert found["scan_field_visible"]
    assert (tmp_path / "window.png").stat().st_size > 10_000  # a real picture was taken
