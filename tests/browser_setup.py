"""Make sure the browser tests have their browser: Debian's `chromium` and `fonts-noto-cjk` (so Chinese renders).

Run by `make test` before the suite. As root it installs what is missing with apt-get (Debian's package registry,
nothing else); otherwise it says exactly what to install and fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGES = ("chromium", "fonts-noto-cjk")
CHROMIUM = Path("/usr/bin/chromium")
CJK_FONTS = Path("/usr/share/fonts/opentype/noto")


def missing() -> list[str]:
    absent = []
    if not CHROMIUM.exists():
        absent.append("chromium")
    if not any(CJK_FONTS.glob("NotoSansCJK*")):
        absent.append("fonts-noto-cjk")
    return absent


def install(packages: list[str]) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    if subprocess.run(command, env=env, check=False, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)


def main() -> int:
    absent = missing()
    if not absent:
        return 0
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"installing {' '.join(absent)} for the console's browser tests (Debian packages)", flush=True)
        install(absent)
        return 0 if not missing() else 1
    print(
        "The console's browser tests need Debian's chromium and fonts-noto-cjk. Install them with:\n"
        f"  sudo apt-get install -y {' '.join(absent)}",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
