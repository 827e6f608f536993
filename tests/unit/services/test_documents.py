"""The persisted documents' stores: bounds, eviction order, and a failing Redis."""

from __future__ import annotations

import logging

import pytest

from goalgate.services.documents import MAX_DOCUMENT_CHARS, LocalDocuments, SharedDocuments


def test_the_least_recently_used_document_goes_first_past_the_count() -> None:
    store = LocalDocuments(max_documents=3, max_chars=1_000)
    for name in "abc":
        store.remember(name, f"doc {name}")
    assert store.known("a") is not None  # a is now the most recently used
    store.remember("d", "doc d")
    assert len(store) == 3
    assert store.known("b") is None
    assert [name for name in "acd" if store.known(name) is not None] == ["a", "c", "d"]


def test_documents_are_evicted_past_the_characters_bound() -> None:
    store = LocalDocuments(max_documents=100, max_chars=10)
    store.remember("a", "aaaa")
    store.remember("b", "bbbb")
    assert store.chars == 8
    store.remember("c", "cccc")
    assert store.known("a") is None
    assert store.chars == 8
    assert store.known("b") is not None
    assert store.known("c") is not None


def test_a_document_over_the_size_bound_is_never_stored() -> None:
    store = LocalDocuments()
    assert store.remember("big", "x" * (MAX_DOCUMENT_CHARS + 1)) is None
    assert store.known("big") is None
    assert len(store) == 0
    assert store.remember("max", "x" * MAX_DOCUMENT_CHARS) is not None


def test_remembering_a_known_hash_keeps_the_entry_and_its_parsed_form() -> None:
    store = LocalDocuments()
    entry = store.remember("h", "{ __typename }")
    assert entry is not None
    entry.parsed = "parsed"
    assert store.remember("h", "{ __typename }") is entry
    assert store.chars == len("{ __typename }")


class _BrokenRedis:
    async def get(self, name: str) -> bytes:
        raise ConnectionError("refused")

    async def set(self, name: str, value: bytes, ex: int) -> None:
        raise ConnectionError("refused")


async def test_a_failing_redis_reads_as_a_miss_and_keeps_documents_locally(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = SharedDocuments(_BrokenRedis())  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="goalgate"):
        assert await store.get("h") is None
        await store.put("h", "{ __typename }")
    known = await store.get("h")
    assert known is not None
    assert known.text == "{ __typename }"
    assert [r.getMessage() for r in caplog.records] == [
        "persisted documents: Redis failed; read as a miss",
        "persisted documents: Redis failed; kept in this process",
    ]
