"""The job plan: one sqlite database (WAL) per job under ``AZCOPY_JOB_PLAN_LOCATION``.

One row per transfer (written in parts of 10,000, one transaction each, as AzCopy writes plan parts) and one row
per staged block or downloaded range, so a resumed job skips finished files and continues inside a large file.
No SAS, token or secret is ever stored: URLs are kept without their query string, and ``jobs resume`` takes
``--source-sas``/``--destination-sas`` again, as AzCopy does.

Every phase of a job is recorded, so a kill at any moment leaves a job that ``jobs resume`` continues or one that
has finished (schema 2):
- ``enumeration`` is NotStarted, InProgress or Finished. Rows are committed every ``BATCH_SIZE`` while the source is
  listed; a resumed job whose enumeration did not finish lists the source again and adds only the rows it lacks (a
  UNIQUE index on (source, destination), made only then, so a first planning pays nothing for it).
- ``phase`` is Planning -> Transferring -> Committing -> Finished. Each transfer commits on its own (Put Block List,
  rename) before its row is marked done, so a kill between a commit and its mark only repeats that commit. The
  deletions of `sync`/`remove` are meant to be one more phase (``DELETING``) between Transferring and Committing,
  with their own rows; a pyazcopy that meets a phase it does not know refuses to continue the job instead of
  guessing (:func:`resumable_phase`).
Schema 1 plans still open: one marked ``planned`` finished its enumeration; one without the mark may have been
killed while planning, and is listed again (adding only missing rows), which is safe whatever it held.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from pyazcopy.engine.plan_close import skip_checkpoint_on_close
from pyazcopy.errors import PyAzCopyError

SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)
PART_SIZE = 10_000
BATCH_SIZE = 1_000  # rows per transaction while planning: what a kill during planning can lose (and is listed again)
SUFFIX = ".plan.sqlite"
PARTIAL_SUFFIX = ".new"  # a plan being made; `jobs clean` deletes one a kill left behind

PENDING, STARTED, DONE, FAILED, SKIPPED = 0, 1, 2, 3, 4
STATUS_NAMES = {PENDING: "NotStarted", STARTED: "Started", DONE: "Success", FAILED: "Failed", SKIPPED: "Skipped"}

NOT_STARTED, IN_PROGRESS, FINISHED = "NotStarted", "InProgress", "Finished"  # how far enumeration got
PLANNING, TRANSFERRING, DELETING, COMMITTING, DONE_PHASE = "Planning", "Transferring", "Deleting", "Committing", "Finished"
PHASES = (PLANNING, TRANSFERRING, COMMITTING, DONE_PHASE)  # the phases this pyazcopy can continue (DELETING: sync/remove)

# The index leaves status out: a transfer's status changes once or twice, and with status in the index each change
# rewrote an index page as well as the row's (3 WAL frames per update instead of 1; 50 -> 28 us of CPU per update).
# Plans written with the older (part, status) index read the same.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS transfers (
    id INTEGER PRIMARY KEY,
    part INTEGER NOT NULL,
    source TEXT NOT NULL,
    destination TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    status INTEGER NOT NULL DEFAULT 0,
    block_size INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    md5 BLOB NOT NULL DEFAULT x'',
    etag TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS transfers_by_part ON transfers (part);
CREATE TABLE IF NOT EXISTS chunks (
    transfer_id INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    length INTEGER NOT NULL,
    PRIMARY KEY (transfer_id, idx)
) WITHOUT ROWID;
"""


class JobNotFoundError(PyAzCopyError):
    """No plan file for the job id; ``jobs list`` shows the jobs there are."""


class PlanVersionError(PyAzCopyError):
    """The plan was written by a newer or older pyazcopy with another schema."""


class PlanCannotContinueError(PyAzCopyError):
    """The job cannot be continued from its plan (the message says why and what to do); exit code 1."""


@dataclass(frozen=True)
class Planning:
    """How far a job's planning got: ``enumeration`` (NotStarted, InProgress, Finished), the job's ``phase`` and the
    number of transfers planned so far."""

    enumeration: str
    phase: str
    planned: int
    pid: int = 0  # the process that last ran the job, when it ran on this machine

    @property
    def finished(self) -> bool:
        return self.enumeration == FINISHED

    @property
    def running(self) -> bool:
        """Whether the job's process is still at work (then its planning is in progress, not interrupted)."""
        if not self.pid:
            return False
        try:
            with open(f"/proc/{self.pid}/cmdline", "rb") as handle:
                return b"pyazcopy" in handle.read()
        except OSError:
            return False


def runner_meta() -> dict[str, object]:
    """Who runs the job now (``jobs list`` tells a job at work from one that was stopped)."""
    return {"pid": os.getpid(), "host": socket.gethostname()}


def planning_of(meta: dict[str, object], planned: int) -> Planning:
    """The planning state a plan's meta records; schema 1 plans are read as described in the module's docstring."""
    pid = int(meta.get("pid") or 0) if meta.get("host") == socket.gethostname() else 0  # type: ignore[call-overload]
    if "enumeration" in meta:
        return Planning(str(meta["enumeration"]), str(meta.get("phase") or PLANNING), planned, pid)
    if meta.get("planned"):  # schema 1, planning finished
        return Planning(FINISHED, DONE_PHASE if meta.get("status") == "Completed" else TRANSFERRING, planned)
    return Planning(IN_PROGRESS, PLANNING, planned)  # schema 1 without the mark: listed again on resume


@dataclass(frozen=True)
class TransferRow:
    id: int
    source: str
    destination: str
    size: int
    mtime: float
    status: int
    block_size: int
    md5: bytes = b""
    etag: str = ""


@dataclass(frozen=True)
class JobInfo:
    job_id: str
    created: float
    command: str
    status: str
    path: str
    planning: Planning = Planning(FINISHED, DONE_PHASE, 0)


@dataclass(frozen=True)
class Counts:
    total: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    total_bytes: int = 0
    done_bytes: int = 0

    @property
    def not_started(self) -> int:
        """Transfers that have not ended (never started, or stopped on their way): total = done + failed + skipped +
        not started."""
        return self.total - self.done - self.failed - self.skipped


def plan_path(plan_dir: Path, job_id: str) -> Path:
    return Path(plan_dir) / f"{job_id}{SUFFIX}"


class JobPlan:
    """A job's plan; safe to use from many threads (one writer connection behind a lock)."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        self._lock = threading.Lock()

    # --- opening ------------------------------------------------------------------------------------------------
    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # durable across a killed process; WAL keeps it consistent
        skip_checkpoint_on_close(db, str(path))  # a job's last sync would wait behind its downloads' writeback
        return db

    @classmethod
    def create(cls, plan_dir: Path, job_id: str, meta: dict[str, object]) -> "JobPlan":
        """Make the plan under a temporary name and rename it into place once its tables and meta are written, so a
        kill never leaves a plan file without them (there is then no job, rather than one that cannot be read)."""
        Path(plan_dir).mkdir(parents=True, exist_ok=True)
        path = plan_path(plan_dir, job_id)
        partial = Path(str(path) + PARTIAL_SUFFIX)
        values = {"schema_version": SCHEMA_VERSION, "job_id": job_id, "created": time.time(), "status": "InProgress",
                  "phase": PLANNING, "enumeration": NOT_STARTED, "parts": 0, **runner_meta(), **meta}
        db = sqlite3.connect(str(partial), isolation_level=None, timeout=30)  # rollback journal: one file to rename
        try:
            try:
                os.chmod(partial, 0o600)
            except OSError:
                pass
            db.executescript(_SCHEMA)
            db.execute("BEGIN")
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in values.items()])
            db.execute("COMMIT")
        finally:
            db.close()
        os.replace(partial, path)
        return cls(path, cls._connect(path))

    @classmethod
    def open(cls, plan_dir: Path, job_id: str) -> "JobPlan":
        path = plan_path(plan_dir, job_id)
        if not path.exists():
            raise JobNotFoundError(f"no job with id {job_id} in {plan_dir}; run `pyazcopy jobs list` to see the jobs there are")
        try:
            plan = cls(path, cls._connect(path))
        except sqlite3.DatabaseError as error:
            raise PlanCannotContinueError(f"the plan of job {job_id} ({path}) cannot be read ({error}); run the copy again, and "
                                          f"`pyazcopy jobs remove {job_id}` to delete it") from None
        try:
            version = plan.meta().get("schema_version")
        except sqlite3.DatabaseError as error:
            plan.close()
            raise PlanCannotContinueError(f"the plan of job {job_id} ({path}) cannot be read ({error}); run the copy again, and "
                                          f"`pyazcopy jobs remove {job_id}` to delete it") from None
        if version not in READABLE_VERSIONS:
            plan.close()
            raise PlanVersionError(f"the plan of job {job_id} has schema version {version}, this pyazcopy reads "
                                   f"{', '.join(map(str, READABLE_VERSIONS))}; run the job again with `copy`")
        return plan

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- meta ---------------------------------------------------------------------------------------------------
    def meta(self) -> dict[str, object]:
        with self._lock:
            return {k: json.loads(v) for k, v in self._db.execute("SELECT key, value FROM meta")}

    def set_meta(self, **values: object) -> None:
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in values.items()])

    # --- transfers ----------------------------------------------------------------------------------------------
    def add_transfers(self, transfers: Iterable[tuple], continuing: bool = False) -> Counts:
        """Add (source, destination, size, mtime, source md5[, source etag]) rows as the source is listed, committing
        every ``BATCH_SIZE`` rows (parts of 10,000 rows, as AzCopy's plan parts); then mark the enumeration finished.

        ``continuing``: the enumeration of this plan was interrupted and is listed again; rows already planned are
        kept as they are (with their status) and only the missing ones are added. Returns the number of rows added
        and the bytes listed."""
        count = total_bytes = 0
        batch: list[tuple] = []
        with self._lock:
            next_id = int(self._db.execute("SELECT COALESCE(MAX(id) + 1, 0) FROM transfers").fetchone()[0])
            if continuing:
                try:
                    self._db.execute("CREATE UNIQUE INDEX IF NOT EXISTS transfers_by_name ON transfers (source, destination)")
                except sqlite3.IntegrityError:
                    raise PlanCannotContinueError(f"the plan {self.path} holds the same transfer twice, so its planning cannot "
                                                  "be continued; run the copy again") from None
        insert = "INSERT OR IGNORE INTO transfers" if continuing else "INSERT INTO transfers"
        self.set_meta(enumeration=IN_PROGRESS)

        def flush() -> None:
            nonlocal count
            with self._lock:
                before = self._db.total_changes
                self._db.execute("BEGIN")
                self._db.executemany(f"{insert} (id, part, source, destination, size, mtime, md5, etag) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('parts', ?)", (json.dumps(-(-next_id // PART_SIZE)),))
                self._db.execute("COMMIT")
                count += self._db.total_changes - before - 1
            batch.clear()

        for source, destination, size, mtime, md5, *rest in transfers:
            batch.append((next_id, next_id // PART_SIZE, source, destination, size, mtime, md5, rest[0] if rest else ""))
            next_id += 1
            total_bytes += size
            if len(batch) >= BATCH_SIZE:
                flush()
        if batch:
            flush()
        self.set_meta(enumeration=FINISHED, phase=TRANSFERRING, planned=True)
        return Counts(total=count, total_bytes=total_bytes)

    def planning(self) -> Planning:
        with self._lock:
            planned = int(self._db.execute("SELECT COUNT(*) FROM transfers").fetchone()[0])
        return planning_of(self.meta(), planned)

    def parts(self) -> int:
        return int(self.meta().get("parts") or 0)

    def unfinished(self) -> Iterator[TransferRow]:
        """The transfers still to do (not started, started, failed), part by part: at most 10,000 rows in memory."""
        for part in range(self.parts()):
            with self._lock:
                rows = self._db.execute(
                    "SELECT id, source, destination, size, mtime, status, block_size, md5, etag FROM transfers"
                    " WHERE part = ? AND status IN (?, ?, ?) ORDER BY id", (part, PENDING, STARTED, FAILED)).fetchall()
            for row in rows:
                yield TransferRow(*row)

    def all_transfers(self, status: int | None = None) -> Iterator[TransferRow]:
        for part in range(self.parts()):
            query = "SELECT id, source, destination, size, mtime, status, block_size, md5, etag FROM transfers WHERE part = ?"
            args: tuple = (part,)
            if status is not None:
                query += " AND status = ?"
                args += (status,)
            with self._lock:
                rows = self._db.execute(query + " ORDER BY id", args).fetchall()
            for row in rows:
                yield TransferRow(*row)

    def mark(self, transfer_id: int, status: int, error: str = "", block_size: int | None = None) -> None:
        with self._lock:
            if block_size is None:
                self._db.execute("UPDATE transfers SET status = ?, error = ? WHERE id = ?", (status, error, transfer_id))
            else:
                self._db.execute("UPDATE transfers SET status = ?, error = ?, block_size = ? WHERE id = ?", (status, error, block_size, transfer_id))

    def error_of(self, transfer_id: int) -> str:
        with self._lock:
            row = self._db.execute("SELECT error FROM transfers WHERE id = ?", (transfer_id,)).fetchone()
        return row[0] if row else ""

    # --- chunks -------------------------------------------------------------------------------------------------
    def chunk_done(self, transfer_id: int, index: int, length: int) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO chunks VALUES (?, ?, ?)", (transfer_id, index, length))

    def chunks_done(self, transfer_id: int) -> dict[int, int]:
        with self._lock:
            return dict(self._db.execute("SELECT idx, length FROM chunks WHERE transfer_id = ?", (transfer_id,)))

    def clear_chunks(self, transfer_id: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM chunks WHERE transfer_id = ?", (transfer_id,))

    def chunk_bytes_done(self) -> int:
        """Bytes in staged/downloaded chunks of transfers not yet finished (progress inside large files)."""
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(SUM(c.length), 0) FROM chunks c JOIN transfers t ON t.id = c.transfer_id WHERE t.status != ?", (DONE,)).fetchone()
        return int(row[0])

    # --- statistics ---------------------------------------------------------------------------------------------
    def counts(self) -> Counts:
        with self._lock:
            rows = self._db.execute("SELECT status, COUNT(*), COALESCE(SUM(size), 0) FROM transfers GROUP BY status").fetchall()
        by = {status: (n, size) for status, n, size in rows}
        return Counts(
            total=sum(n for n, _ in by.values()),
            done=by.get(DONE, (0, 0))[0],
            failed=by.get(FAILED, (0, 0))[0],
            skipped=by.get(SKIPPED, (0, 0))[0],
            total_bytes=sum(s for _, s in by.values()),
            done_bytes=by.get(DONE, (0, 0))[1],
        )

    def failed_transfers(self, limit: int = 1000) -> list[tuple[str, str, str]]:
        with self._lock:
            return self._db.execute("SELECT source, destination, error FROM transfers WHERE status = ? ORDER BY id LIMIT ?", (FAILED, limit)).fetchall()


# --- the plan directory ---------------------------------------------------------------------------------------
def list_jobs(plan_dir: Path) -> list[JobInfo]:
    """Every job with a plan in ``plan_dir``, newest first."""
    jobs = []
    directory = Path(plan_dir)
    if not directory.is_dir():
        return []
    for path in directory.glob(f"*{SUFFIX}"):
        try:
            meta, planning = _read_job(f"file:{path}?mode=ro")
        except sqlite3.OperationalError:  # e.g. a killed job's WAL needs a recovery, which a read-only connection cannot run
            try:
                meta, planning = _read_job(f"file:{path}")
            except sqlite3.Error:
                continue
        except sqlite3.Error:
            continue
        jobs.append(JobInfo(str(meta.get("job_id", path.name[: -len(SUFFIX)])), float(meta.get("created") or 0),
                            str(meta.get("command") or ""), str(meta.get("status") or ""), str(path), planning))
    return sorted(jobs, key=lambda job: job.created, reverse=True)


def _read_job(uri: str) -> tuple[dict[str, object], Planning]:
    db = sqlite3.connect(uri, uri=True, timeout=5)
    try:
        meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
        planning = planning_of(meta, 0)
        if not planning.finished:  # only then is the count worth a query: it is shown as "N planned"
            planning = planning_of(meta, int(db.execute("SELECT COUNT(*) FROM transfers").fetchone()[0]))
        return meta, planning
    finally:
        db.close()


def resumable_phase(job_id: str, planning: Planning) -> None:
    """Refuse a plan whose phase this pyazcopy does not know (a newer command's, e.g. the deletions of `sync`)."""
    if planning.phase not in PHASES:
        raise PlanCannotContinueError(f"job {job_id} stopped in its {planning.phase!r} phase, which this pyazcopy cannot continue; "
                                      f"run the command again with a pyazcopy that can, or `pyazcopy jobs remove {job_id}` to delete it")


def remove_job(plan_dir: Path, job_id: str) -> None:
    path = plan_path(plan_dir, job_id)
    if not path.exists():
        raise JobNotFoundError(f"no job with id {job_id} in {plan_dir}; run `pyazcopy jobs list` to see the jobs there are")
    for extra in ("", "-wal", "-shm"):
        Path(str(path) + extra).unlink(missing_ok=True)


def remove_partial_plans(plan_dir: Path) -> None:
    """Plans a kill left before they were complete (never a job: nothing was planned in them)."""
    for partial in Path(plan_dir).glob(f"*{SUFFIX}{PARTIAL_SUFFIX}*"):
        partial.unlink(missing_ok=True)


def clean_jobs(plan_dir: Path) -> int:
    remove_partial_plans(plan_dir)
    removed = 0
    for job in list_jobs(plan_dir):
        remove_job(plan_dir, job.job_id)
        removed += 1
    return removed
