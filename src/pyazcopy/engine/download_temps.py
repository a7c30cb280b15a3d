"""The temporary files of downloads (``.azDownload-<job>-<name>``, renamed to ``<name>`` once complete and verified).

A failed or interrupted download keeps its temporary file, so ``jobs resume`` continues it. This module finds them:
the ones a job owns (``jobs remove`` and ``jobs clean`` delete them with the job) and, for a new job, the ones an
older job left for the same destination (the new job says so, naming that job, instead of silently making another).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from pyazcopy.endpoints import local
from pyazcopy.endpoints.local import temp_download_path
from pyazcopy.engine.plan import JobPlan, list_jobs

PREFIX = ".azDownload-"
_ID_CHARS = 8  # temp_download_path keeps the job id's first 8 characters


def job_temp_files(plan: JobPlan) -> Iterator[str]:
    """The temporary files of ``plan``'s downloads that exist now (transfers not finished), read part by part."""
    meta = plan.meta()
    if meta.get("from_to") != "BlobLocal":
        return
    root, job_id = str(meta["local_root"]), str(meta["job_id"])
    for row in plan.unfinished():
        try:
            temp = temp_download_path(local.local_target(root, row.destination), job_id)
        except Exception:  # noqa: BLE001 - a name the download refused never had a temp file
            continue
        if os.path.lexists(temp):
            yield temp


def remove_job_temp_files(plan_dir: Path, job_id: str) -> list[str]:
    """Delete the temporary files of job ``job_id``'s unfinished downloads; returns their paths."""
    plan = JobPlan.open(plan_dir, job_id)
    try:
        removed = []
        for temp in list(job_temp_files(plan)):
            try:
                os.unlink(temp)
                removed.append(temp)
            except FileNotFoundError:
                pass
        return removed
    finally:
        plan.close()


class OlderTempFinder:
    """Finds a temporary file another job left for a download's destination.

    Each directory is read once per job, the first time a download goes there (only names starting with the prefix
    are kept), so the cost is one ``scandir`` per destination directory, not one per file."""

    def __init__(self, job_id: str, plan_dir: Path) -> None:
        self._own = job_id[:_ID_CHARS]
        self._plan_dir = plan_dir
        self._by_directory: dict[str, dict[str, list[str]]] = {}
        self._jobs: dict[str, str] | None = None

    def older_temp_files(self, target: str) -> list[tuple[str, str]]:
        """(temporary file, job id or '') for each other job's temporary file of ``target``."""
        directory, name = os.path.split(target)
        found = self._by_directory.get(directory)
        if found is None:
            found = self._by_directory[directory] = self._scan(directory)
        if not found:
            return []
        key = f"{PREFIX}{'x' * _ID_CHARS}-{name}"[:255][len(PREFIX) + _ID_CHARS + 1:]
        return [(os.path.join(directory, f"{PREFIX}{prefix}-{key}"), self._job_for(prefix)) for prefix in found.get(key, [])]

    def _scan(self, directory: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    name = entry.name
                    if name.startswith(PREFIX) and len(name) > len(PREFIX) + _ID_CHARS + 1 and name[len(PREFIX) + _ID_CHARS] == "-":
                        prefix = name[len(PREFIX): len(PREFIX) + _ID_CHARS]
                        if prefix != self._own:
                            found.setdefault(name[len(PREFIX) + _ID_CHARS + 1:], []).append(prefix)
        except OSError:
            pass
        return found

    def _job_for(self, prefix: str) -> str:
        if self._jobs is None:
            self._jobs = {job.job_id[:_ID_CHARS]: job.job_id for job in list_jobs(self._plan_dir)}
        return self._jobs.get(prefix, "")


def kept_temp_note(temp: str | None, job_id: str) -> str:
    """What a failed download's message adds when its temporary file is left: where it is, and how to use or remove it."""
    if not temp or not os.path.lexists(temp):
        return ""
    return f" (what was downloaded is kept in {temp}: `pyazcopy jobs resume {job_id}` reuses it, `pyazcopy jobs remove {job_id}` deletes it)"


def older_temp_warning(temp: str, job_id: str, target: str) -> str:
    if job_id:
        return (f"{temp} is the temporary file of an earlier download to {target} by job {job_id}; `pyazcopy jobs resume {job_id}` "
                f"continues that download, `pyazcopy jobs remove {job_id}` deletes the file")
    return f"{temp} is the temporary file of an earlier download to {target} by a job whose plan is gone; delete it if you do not need it"
