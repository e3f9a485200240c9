"""Authoring speed: ``briefbot new`` on the seed article, as text and as a saved HTML page.

Wall time of the whole command (interpreter start-up included), median of several runs, next
to ``briefbot --version`` (start-up alone) as the baseline; and the in-process time of the
import, the candidates and the skeleton. Run: ``python bench/bench_authoring.py``.
"""

from __future__ import annotations

import io
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.authoring import commands

from _common import print_table, write_results

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "authoring" / "fixtures"
ARTICLES = {
    "seed as text": FIXTURES / "inkstick-turkey-syria.txt",
    "seed as HTML": FIXTURES / "inkstick-turkey-syria.html",
}
RUNS = 7


def wall(args: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", *args], check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def in_process(article: Path) -> float:
    times = []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as directory:
            t0 = time.perf_counter()
            commands.new("bench", article, Path(directory), out=io.StringIO())
            times.append(time.perf_counter() - t0)
    return statistics.median(times[1:])  # the first run pays for the lazy imports


def main() -> None:
    rows = [{"command": "briefbot --version", "wall_s": round(wall(["--version"]), 3)}]
    for name, article in ARTICLES.items():
        with tempfile.TemporaryDirectory() as directory:
            args = ["new", "bench", str(article), "--dir", directory, "--force"]
            rows.append(
                {
                    "command": f"briefbot new ({name})",
                    "wall_s": round(wall(args), 3),
                    "in_process_warm_s": round(in_process(article), 3),
                }
            )
    for row in rows:
        row.setdefault("in_process_warm_s", "")
    print_table(f"briefbot new, median of {RUNS} runs", rows)
    path = write_results("bench_authoring", {"runs": RUNS, "rows": rows})
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
