"""Planning a large local tree with --dry-run streams: memory does not grow with the number of files (a real tree of
files, no synthetic listing).

The same dry run is measured at 20,000 and at 200,000 files: the peak of the memory Python allocates (tracemalloc, in
the child) may grow by at most GROWTH_BOUND_MB between the two. (Peak RSS is a poor measure of this: start-up and the
first pages of the tree set a peak of about 70 MB that a planner holding 180,000 entries barely moves.) A planner that
held every entry would keep, for each of the 180,000 extra files, at least its planned row: a 6-tuple (56 + 6 x 8 =
104 bytes) in a list slot (8 bytes), before any of the row's own strings; 180,000 x 112 B is 20 MB, so HOLD_ALL_MIN_MB.
The bound is a quarter of that; a streaming planner's measured growth is well under 1 MB. Peak RSS must also stay
under 300 MB. PYAZCOPY_TEST_DRY_RUN_FILES=1000000 makes the larger size the acceptance case's million files."""

from __future__ import annotations

import os
import subprocess
import sys

from copy_support import sas_url

SMALL = 20_000
LARGE = int(os.environ.get("PYAZCOPY_TEST_DRY_RUN_FILES", "200000"))
PER_DIR = 1000
HOLD_ALL_MIN_MB = (LARGE - SMALL) * 112 / 2**20  # at least 112 bytes per entry held (module docstring)
GROWTH_BOUND_MB = HOLD_ALL_MIN_MB / 4

CHILD = """
import tracemalloc
tracemalloc.start()
import resource, sys
from pyazcopy.cli.main import main
code = main(sys.argv[1:])
sys.stderr.write(f"PEAK_TRACED={tracemalloc.get_traced_memory()[1]} MAXRSS_KB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n")
sys.exit(code)
"""


def make_tree(root, count: int) -> None:
    for d in range(-(-count // PER_DIR)):
        directory = os.path.join(root, f"d{d:04d}")
        os.makedirs(directory, exist_ok=True)
        for f in range(min(PER_DIR, count - d * PER_DIR)):
            os.close(os.open(os.path.join(directory, f"file-{f:04d}.dat"), os.O_WRONLY | os.O_CREAT, 0o644))


def dry_run_peaks_mb(localazure, container: str, tmp_path, count: int) -> tuple[float, float]:
    """Plan ``count`` empty files with `pyazcopy copy --dry-run` in a fresh process: (its peak of traced Python
    allocations, its peak RSS), in MB."""
    source = tmp_path / f"tree-{count}"
    make_tree(source, count)
    out_path = tmp_path / f"dryrun-{count}.txt"
    env = dict(os.environ, HOME=str(tmp_path / "home"), AZCOPY_JOB_PLAN_LOCATION=str(tmp_path / "plans"),
               AZCOPY_LOG_LOCATION=str(tmp_path / "logs"))
    with open(out_path, "w") as out:
        done = subprocess.run([sys.executable, "-c", CHILD, "copy", str(source), sas_url(localazure.blob_url, container),
                               "--recursive", "--dry-run"], stdout=out, stderr=subprocess.PIPE, text=True, env=env, timeout=1800)
    assert done.returncode == 0, done.stderr[-2000:]
    with open(out_path) as lines:
        planned = sum(1 for line in lines if line.startswith("DRYRUN: copy "))
    assert planned == count
    out_path.unlink()
    traced = int(done.stderr.split("PEAK_TRACED=")[1].split()[0]) / 2**20
    return traced, int(done.stderr.split("MAXRSS_KB=")[1].split()[0]) / 1024


def test_dry_run_memory_does_not_grow_with_the_number_of_files(localazure, container, tmp_path):
    small, _ = dry_run_peaks_mb(localazure, container, tmp_path, SMALL)
    large, large_rss = dry_run_peaks_mb(localazure, container, tmp_path, LARGE)
    print(f"dry-run peak of traced allocations: {small:.1f} MB for {SMALL} files, {large:.1f} MB for {LARGE} files; growth "
          f"{large - small:.1f} MB (bound {GROWTH_BOUND_MB:.1f} MB; holding every entry needs over {HOLD_ALL_MIN_MB:.0f} MB); "
          f"peak RSS {large_rss:.0f} MB")
    assert large - small < GROWTH_BOUND_MB
    assert large_rss < 300
