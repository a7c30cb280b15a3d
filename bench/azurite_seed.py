"""Seed a disk-backed Azurite 3.35 with many blobs at once by writing its LokiJS database, not through Put Blob.

Filling Azurite with Put Blob is quadratic (each request scans the whole blob collection), so 100,000 blobs take
hours; writing the database it loads at start-up takes seconds. Azurite started with ``--location DIR`` (instead of
``--inMemoryPersistence``) reads ``DIR/__azurite_db_blob__.json`` (accounts' containers, blobs, blocks) and
``DIR/__azurite_db_blob_extent__.json`` (where blob bytes live, in ``DIR/__blobstorage__``).

The seeded blobs are committed, zero-length block blobs in one container, all pointing at one empty extent (as
Azurite itself records an empty Put Blob). The format was taken from what Azurite 3.35 writes after creating a
container and a few blobs with a disk-backed instance.

    python -m bench.azurite_seed DIR --count 100000 [--container bench] [--account devstoreaccount1]
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path
from typing import Iterable, Sequence

ACCOUNT = "devstoreaccount1"
BLOB_DB = "__azurite_db_blob__.json"
EXTENT_DB = "__azurite_db_blob_extent__.json"
EXTENT_DIR = "__blobstorage__"
EMPTY_MD5 = [212, 29, 140, 217, 143, 0, 178, 4, 233, 128, 9, 152, 236, 248, 66, 126]  # md5(b"")


def default_names(count: int) -> list[str]:
    """The names the bench's Put Blob fill used: ``count`` blobs spread over 100 folders."""
    return [f"folder{i % 100:03d}/blob{i:07d}" for i in range(count)]


def _collection(name: str, data: list, indices: dict[str, list[int]], max_id: int, id_index=None) -> dict:
    """One LokiJS collection as LokiJS 1.5 serializes it (the fields Azurite's own file carries)."""
    return {
        "name": name, "data": data, "idIndex": id_index,
        "binaryIndices": {prop: {"name": prop, "dirty": False, "values": values} for prop, values in indices.items()},
        "constraints": None, "uniqueNames": ["accountName"] if name == "$SERVICES_COLLECTION$" else [], "transforms": {},
        "objType": name, "dirty": False, "cachedIndex": None, "cachedBinaryIndex": None, "cachedData": None,
        "adaptiveBinaryIndices": True, "transactional": False, "cloneObjects": False, "cloneMethod": "parse-stringify",
        "asyncListeners": False, "disableMeta": False, "disableChangesApi": True, "disableDeltaChangesApi": True,
        "autoupdate": False, "serializableIndices": True, "disableFreeze": True, "ttl": None, "maxId": max_id,
        "DynamicViews": [],
        "events": {"insert": [], "update": [], "pre-insert": [], "pre-update": [], "close": [], "flushbuffer": [], "error": [],
                   "delete": [None], "warning": [None]},
        "changes": [], "dirtyIds": [],
    }


def _database(path: Path, collections: list[dict]) -> dict:
    return {
        "filename": str(path), "collections": collections, "databaseVersion": 1.5, "engineVersion": 1.5,
        "autosave": True, "autosaveInterval": 5000, "autosaveHandle": None, "throttledSaves": True,
        "options": {"persistenceMethod": "fs", "autosave": True, "autosaveInterval": 5000, "serializationMethod": "normal",
                    "destructureDelimiter": "$<\n"},
        "persistenceMethod": "fs", "persistenceAdapter": None, "verbose": False,
        "events": {"init": [None], "loaded": [], "flushChanges": [], "close": [], "changes": [], "warning": []},
        "ENV": "NODEJS",
    }


def _check_names(names: Sequence[str]) -> list[str]:
    ordered = sorted(set(names))
    if len(ordered) != len(names):
        raise ValueError("blob names must be unique")
    for name in ordered:
        if not name or len(name) > 1024:
            raise ValueError(f"{name!r} is not a valid blob name")
        try:
            float(name)
        except ValueError:
            continue
        # LokiJS compares strings that parse as numbers numerically: the name index below would be out of order
        raise ValueError(f"{name!r}: numeric blob names are not supported by the seeder")
    return ordered


def seed(location: Path | str, count: int = 0, container: str = "bench", account: str = ACCOUNT,
         names: Iterable[str] | None = None, now: float | None = None) -> Path:
    """Write an Azurite database into ``location`` holding one container with ``count`` empty block blobs (or the given
    ``names``); start Azurite with ``--location location`` to serve them. Returns ``location``. Anything Azurite had
    stored there before is replaced."""
    location = Path(location)
    ordered = _check_names(list(names) if names is not None else default_names(count))
    location.mkdir(parents=True, exist_ok=True)
    extents = location / EXTENT_DIR
    extents.mkdir(exist_ok=True)
    for old in extents.iterdir():
        old.unlink()
    moment = time.time() if now is None else now
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{int(moment * 1000) % 1000:03d}Z"
    millis = int(moment * 1000)
    extent_id = str(uuid.uuid4())
    (extents / extent_id).write_bytes(b"")

    container_doc = {
        "accountName": account, "name": container,
        "properties": {"etag": f"\"0x{0x1D0000000000000 + millis:X}\"", "lastModified": stamp, "leaseStatus": "unlocked",
                       "leaseState": "available", "hasImmutabilityPolicy": False, "hasLegalHold": False},
        "meta": {"revision": 0, "created": millis, "version": 0}, "$loki": 1,
    }
    blobs = []
    for index, name in enumerate(ordered, 1):
        blobs.append({
            "deleted": False, "accountName": account, "containerName": container, "name": name,
            "properties": {
                "creationTime": stamp, "lastModified": stamp, "etag": f"\"0x{0x1D0000000000000 + index:X}\"",
                "contentLength": 0, "contentType": "application/octet-stream",
                "contentMD5": {"type": "Buffer", "data": EMPTY_MD5}, "blobType": "BlockBlob", "leaseStatus": "unlocked",
                "leaseState": "available", "serverEncrypted": True, "accessTier": "Hot", "accessTierInferred": True,
                "accessTierChangeTime": stamp,
            },
            "snapshot": "", "isCommitted": True, "persistency": {"id": extent_id, "offset": 0, "count": 0},
            "meta": {"revision": 0, "created": millis, "version": 0}, "$loki": index,
        })
    # LokiJS binary indices: positions in ``data`` sorted by the property. The data are in name order and the other
    # indexed properties are the same for every blob, so every index is the identity permutation.
    positions = list(range(len(blobs)))
    blob_db = location / BLOB_DB
    database = _database(blob_db, [
        _collection("$SERVICES_COLLECTION$", [], {}, 0),
        _collection("$CONTAINERS_COLLECTION$", [container_doc], {"accountName": [0], "name": [0]}, 1),
        _collection("$BLOBS_COLLECTION$", blobs, {p: positions for p in ("accountName", "containerName", "name", "snapshot")}, len(blobs)),
        _collection("$BLOCKS_COLLECTION$", [], {p: [] for p in ("accountName", "containerName", "blobName", "name")}, 0),
    ])
    with open(blob_db, "w") as out:
        json.dump(database, out, separators=(",", ":"))
    extent_db = location / EXTENT_DB
    extent_doc = {"id": extent_id, "locationId": "Default", "path": extent_id, "size": 0, "lastModifiedInMS": millis,
                  "meta": {"revision": 0, "created": millis, "version": 0}, "$loki": 1, "LastModifyInMS": millis}
    with open(extent_db, "w") as out:
        json.dump(_database(extent_db, [_collection("$EXTENTS_COLLECTION$", [extent_doc], {"id": [0]}, 1, id_index=[1])]), out,
                  separators=(",", ":"))
    return location


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("location", help="the directory to start Azurite on with --location")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--container", default="bench")
    parser.add_argument("--account", default=ACCOUNT)
    args = parser.parse_args(argv)
    started = time.monotonic()
    seed(args.location, args.count, args.container, args.account)
    print(f"seeded {args.count} blobs into {args.location} in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
