"""Planning a large local tree with --dry-run streams: peak RSS stays flat (a real tree of files, no synthetic listing).

The suite plans 100,000 files; PYAZCOPY_TEST_DRY_RUN_FILES=1000000 runs the acceptance size (measured figures are
in the issue-5 report / docs)."""

from __future__ import annotations

import os
import subprocess
import sys

from copy_support import sas_url

FILES = int(os.environ.get("PYAZCOPY_TEST_DRY_RUN_FILES", "100000"))
PER_DIR = 1000

CHILD = """
import resource, sys
from pyazcopy.cli.main import main
code = main(sys.argv[1:])
sys.stderr.write(f"MAXRSS_KB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n")
sys.exit(code)
"""


def make_tree(root, count: int) -> None:
    for d in range(-(-count // PER_DIR)):
        directory = os.path.join(root, f"d{d:04d}")
        os.makedirs(directory, exist_ok=True)
        for f in range(min(PER_DIR, count - d * PER_DIR)):
            os.close(os.open(os.path.join(directory, f"file-{f:04d}.dat"), os.O_WRONLY | os.O_CREAT, 0o644))


def test_dry_run_of_a_large_tree_keeps_memory_flat(localazure, container, tmp_path):
    source = tmp_path / "tree"
    make_tree(source, FILES)
    out_path = tmp_path / "dryrun.txt"
    env = dict(os.environ, HOME=str(tmp_path / "home"), AZCOPY_JOB_PLAN_LOCATION=str(tmp_path / "plans"),
               AZCOPY_LOG_LOCATION=str(tmp_path / "logs"))
    with open(out_path, "w") as out:
        done = subprocess.run([sys.executable, "-c", CHILD, "copy", str(source), sas_url(localazure.blob_url, container),
                               "--recursive", "--dry-run"], stdout=out, stderr=subprocess.PIPE, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    peak_mb = int(done.stderr.split("MAXRSS_KB=")[1].split()[0]) / 1024
    with open(out_path) as lines:
        planned = sum(1 for line in lines if line.startswith("DRYRUN: copy "))
    assert planned == FILES
    print(f"dry-run of {FILES} files: peak RSS {peak_mb:.0f} MB")
    assert peak_mb < 300
