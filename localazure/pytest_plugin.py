"""pytest fixtures: a session-scoped localazure stack, a unique container and a unique file share per test."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from localazure.fixtures import LocalAzure, trusted_stack, unique_container_name


@pytest.fixture(scope="session")
def localazure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAzure]:
    """The stack every integration test shares, started once per session and stopped at its end."""
    with trusted_stack(tmp_path_factory.mktemp("localazure")) as stack:
        yield stack


@pytest.fixture
def start_localazure(tmp_path: Path) -> Iterator:
    """Start a private stack with a given config file (for tests that need other settings); stopped after the test."""
    started: list[LocalAzure] = []

    def start(config_path: Path | None = None) -> LocalAzure:
        stack = LocalAzure.start(tmp_path / f"stack-{len(started)}", config_path)
        started.append(stack)
        return stack

    yield start
    for stack in started:
        stack.stop()


@pytest.fixture
def container(localazure: LocalAzure) -> Iterator[str]:
    """A uniquely named container, created with the emulator's account key and removed after the test."""
    name = unique_container_name()
    service = localazure.shared_key_service()
    service.create_container(name)
    yield name
    service.delete_container(name)


@pytest.fixture
def file_share(localazure: LocalAzure) -> Iterator[str]:
    """A uniquely named share on the File service, created with the account key and removed (with its snapshots)
    after the test."""
    name = unique_container_name("share")
    service = localazure.shared_key_file_service()
    service.create_share(name)
    yield name
    service.delete_share(name, delete_snapshots=True)
