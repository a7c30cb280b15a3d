"""Block sizes that fit 50,000 blocks, chunks that tile a file, block ids of one length."""

from __future__ import annotations

import base64

import pytest
from hypothesis import assume, given, strategies as st
from property_settings import PROPERTIES

from pyazcopy.engine.chunking import (
    DEFAULT_BLOCK_SIZE, MAX_BLOCKS, MiB, block_id, block_size_for, chunk_count, chunks, uses_put_blob,
)
from pyazcopy.errors import UsageError

sizes = st.integers(0, 4000 * MiB * MAX_BLOCKS // 2)


@PROPERTIES
@given(sizes)
def test_auto_block_size_fits_in_50000_blocks_and_starts_at_8_mib(size):
    block = block_size_for(size)
    assert block >= DEFAULT_BLOCK_SIZE and block % MiB == 0
    assert chunk_count(size, block) <= MAX_BLOCKS
    if size <= DEFAULT_BLOCK_SIZE * MAX_BLOCKS:
        assert block == DEFAULT_BLOCK_SIZE
    else:  # grows no more than needed (to the next whole MiB)
        assert chunk_count(size, block - MiB) > MAX_BLOCKS


@PROPERTIES
@given(st.integers(0, 10 ** 10), st.integers(1, 64 * MiB))
def test_chunks_tile_the_file_in_order(size, chunk_size):
    assume(chunk_count(size, chunk_size) <= 20000)
    pieces = chunks(size, chunk_size)
    assert pieces[0].offset == 0
    assert sum(c.length for c in pieces) == size
    for before, after in zip(pieces, pieces[1:]):
        assert after.offset == before.offset + before.length and before.length == chunk_size
    assert [c.index for c in pieces] == list(range(len(pieces)))


def test_an_explicit_block_size_that_needs_too_many_blocks_is_refused():
    assert block_size_for(100 * MiB, 4 * MiB) == 4 * MiB
    with pytest.raises(UsageError, match="--block-size-mb"):
        block_size_for(MAX_BLOCKS * MiB + 1, MiB)


@PROPERTIES
@given(st.integers(0, 100 * MiB), st.integers(1, 64) .map(lambda m: m * MiB), st.integers(0, 100) .map(lambda m: m * MiB))
def test_put_blob_threshold_defaults_to_the_block_size(size, block, put_blob):
    assert uses_put_blob(size, block, put_blob) is (size <= (put_blob or block))


@PROPERTIES
@given(st.text(min_size=1, max_size=40).filter(str.isascii), st.integers(0, MAX_BLOCKS))
def test_block_ids_have_one_length_and_round_trip(key, index):
    assert len(block_id(key, index)) == len(block_id("x", 0))
    assert base64.b64decode(block_id(key, index)).decode().endswith(f"{index:010d}")
    assert block_id(key, index) != block_id(key, index + 1)
