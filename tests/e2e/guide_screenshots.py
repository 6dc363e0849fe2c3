"""`make guide-screenshots`: the user guide's pictures, taken by the journey tests themselves.

Runs every `tests/e2e/test_journey_*.py` at 1280 px with the mouse (the only combination the
guide shows; the other three stay the tests' business) with `JOURNEY_SCREENSHOTS` pointing at a
temporary folder, then keeps `<role>/1280-souris/*.png` as `docs/guide/<role>/*.png`, each
reduced to a 256-colour palette (screens of flat colours lose nothing a reader sees, and weigh
about a third). A role's folder is replaced whole, so a step renamed or removed leaves no stale
picture. If a journey fails, nothing is replaced (a journey stopped half-way would leave the
guide with its first steps only) and the command fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guide"
COMBINATION = "1280-souris"


def optimise(source: Path, target: Path) -> None:
    with Image.open(source) as image:
        flat = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        flat.save(target, optimize=True)


def keep(taken: Path, guide: Path = GUIDE) -> list[Path]:
    """Copies each role's 1280 px mouse screenshots under `guide`; returns what it wrote."""
    written = []
    for shots in sorted(taken.glob(f"*/{COMBINATION}")):
        role = guide / shots.parent.name
        if role.exists():
            shutil.rmtree(role)
        role.mkdir(parents=True)
        for png in sorted(shots.glob("*.png")):
            optimise(png, role / png.name)
            written.append(role / png.name)
    return written


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="journeys-") as folder:
        journeys = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests/e2e").glob(
            "test_journey_*.py"))
        env = {**os.environ, "JOURNEY_SCREENSHOTS": folder, "REQUIRE_BROWSER": "1"}
        env.pop("DATABASE_URL", None)
        run = subprocess.run(
            [sys.executable, "-m", "pytest", *journeys, "-q", "-k", "souris and 1280"],
            cwd=ROOT, env=env, check=False)
        if run.returncode:
            print("Un parcours a échoué : les captures du guide ne sont pas remplacées.",
                  file=sys.stderr)
            return run.returncode
        written = keep(Path(folder))
    size = sum(p.stat().st_size for p in written)
    print(f"{len(written)} captures dans {GUIDE.relative_to(ROOT)}/ ({size / 1e6:.1f} Mo).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
