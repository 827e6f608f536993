"""Rate parsing, the fixed window's arithmetic, and which requests count where."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from pydantic import ValidationError

from goalgate.api.ratelimit import limit_key
from goalgate.errors import RateLimited
from goalgate.services.ratelimit import Decision, Quota, RateLimiter, parse_quota
from goalgate.settings import Settings


@pytest.mark.parametrize(
    ("text", "quota"),
    [
        ("600/minute", Quota(600, 60)),
        ("1200/minutes", Quota(1200, 60)),
        (" 5 / second ", Quota(5, 1)),
        ("100/10 seconds", Quota(100, 10)),
        ("10/2hours", Quota(10, 7200)),
        ("50000/Day", Quota(50000, 86400)),
        ("0", None),
        ("", None),
    ],
)
def test_parse_quota(text: str, quota: Quota | None) -> None:
    assert parse_quota(text) == quota


@pytest.mark.parametrize("text", ["600", "600/fortnight", "-1/minute", "0/minute", "5/0 seconds"])
def test_parse_quota_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a rate|at least 1"):
        parse_quota(text)


def test_settings_refuse_a_bad_rate_at_startup() -> None:
    with pytest.raises(ValidationError, match="'lots' is not a rate"):
        Settings(rate_limit_token="lots")


def test_default_rates() -> None:
    settings = Settings()
    assert (settings.rate_limit_token, settings.rate_limit_ingest) == ("600/minute", "1200/minute")
    assert settings.redis_url is None


class MemoryCounters:
    """A shared store in memory: what every worker's limiter syncs to."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, int], int] = {}
        self.expiries: list[int] = []
        self.calls = 0

    async def add(self, counts: list[tuple[str, int, int, int]]) -> list[int]:
        self.calls += 1
        totals = []
        for key, window_start, expires_at, amount in counts:
            self.counts[key, window_start] = self.counts.get((key, window_start), 0) + amount
            self.expiries.append(expires_at)
            totals.append(self.counts[key, window_start])
        return totals


async def test_fixed_window_counts_within_a_window_and_resets_after_it() -> None:
    now = [1_800_000_045.2]
    store = MemoryCounters()
    limiter = RateLimiter(store, clock=lambda: now[0])
    quota = Quota(2, 60)
    first = await limiter.hit("k", quota)
    second = await limiter.hit("k", quota)
    third = await limiter.hit("k", quota)
    assert [first, second, third] == [
        Decision(allowed=True, limit=2, remaining=1, reset_after=15),
        Decision(allowed=True, limit=2, remaining=0, reset_after=15),
        Decision(allowed=False, limit=2, remaining=0, reset_after=15),
    ]
    # A limit this small leaves no share to count blind: each hit syncs,
    # and the third is refused on what is known, without asking the store.
    assert (store.calls, store.counts) == (2, {("k", 1_800_000_000): 2})
    assert store.expiries == [1_800_000_060] * 2
    now[0] = 1_800_000_060.0  # the next window
    assert await limiter.hit("k", quota) == Decision(True, 2, 1, 60)
    assert await limiter.hit("other", quota) == Decision(True, 2, 1, 60)
    await limiter.close()


async def test_far_from_the_limit_a_hit_writes_nothing_until_the_sync() -> None:
    store = MemoryCounters()
    limiter = RateLimiter(store, clock=lambda: 1_800_000_010.0, sync_every=3600)
    quota = Quota(1000, 60)
    decisions = [await limiter.hit("k", quota) for _ in range(100)]
    assert all(d.allowed for d in decisions)
    assert decisions[-1].remaining == 900
    # Only the first hit of the window went to the store (to learn its total).
    assert (store.calls, store.counts) == (1, {("k", 1_800_000_000): 1})
    await limiter.sync()
    assert (store.calls, store.counts) == (2, {("k", 1_800_000_000): 100})
    await limiter.close()


async def test_workers_sharing_a_store_stay_within_ten_percent_of_the_limit() -> None:
    """Four limiters (four workers) on one store, hits interleaved as traffic
    spread by a load balancer would be: accepted requests stay within 10 %."""
    store = MemoryCounters()
    workers = [RateLimiter(store, clock=lambda: 1_800_000_010.0, sync_every=3600) for _ in range(4)]
    quota = Quota(200, 60)
    accepted = 0
    for n in range(2000):
        accepted += (await workers[n % 4].hit("k", quota)).allowed
    assert 200 <= accepted <= 220
    for worker in workers:
        await worker.close()


async def test_a_failed_sync_keeps_the_counts_for_the_next_one() -> None:
    class Flaky(MemoryCounters):
        fail = True

        async def add(self, counts: list[tuple[str, int, int, int]]) -> list[int]:
            if self.fail:
                raise ConnectionError("store down")
            return await super().add(counts)

        calls = 0

    store = Flaky()
    limiter = RateLimiter(store, clock=lambda: 1_800_000_010.0, sync_every=3600)
    with pytest.raises(ConnectionError):  # the first hit's sync: the request goes on
        await limiter.hit("k", Quota(1000, 60))
    # The store failed a moment ago: the next hits count in memory, not asking it.
    decisions = [await limiter.hit("k", Quota(1000, 60)) for _ in range(9)]
    assert [d.remaining for d in decisions] == list(range(998, 989, -1))
    assert store.calls == 0
    with pytest.raises(ConnectionError):
        await limiter.sync()
    store.fail = False
    await limiter.sync()
    assert store.counts == {("k", 1_800_000_000): 10}
    await limiter.close()


async def test_retry_after_is_at_least_one_second() -> None:
    limiter = RateLimiter(MemoryCounters(), clock=lambda: 1_800_000_059.9)
    assert (await limiter.hit("k", Quota(1, 60))).reset_after == 1
    await limiter.close()


def test_a_refused_decision_raises_rate_limited_with_retry_after() -> None:
    with pytest.raises(RateLimited) as caught:
        RateLimiter.raise_if_refused(Decision(False, 600, 0, 42), Quota(600, 60))
    assert caught.value.retry_after == 42
    assert caught.value.message == "too many requests: at most 600 per minute; retry in 42 s"
    assert caught.value.code == "rate_limited"
    RateLimiter.raise_if_refused(Decision(True, 600, 0, 42), Quota(600, 60))  # no raise


def test_window_words_in_the_message() -> None:
    with pytest.raises(RateLimited, match="at most 100 per 10 seconds"):
        RateLimiter.raise_if_refused(Decision(False, 100, 0, 3), Quota(100, 10))
    with pytest.raises(RateLimited, match="at most 9 per 2 hours"):
        RateLimiter.raise_if_refused(Decision(False, 9, 0, 3), Quota(9, 7200))


def scope(path: str, authorization: bytes | None = None) -> dict[str, object]:
    headers = [] if authorization is None else [(b"authorization", authorization)]
    return {"path": path, "headers": headers, "client": ("203.0.113.9", 5123)}


def test_ingestion_counts_per_client_ip() -> None:
    assert limit_key(scope("/api/v1/analytics/events")) == ("ingest", "ingest:203.0.113.9")  # type: ignore[arg-type]
    assert limit_key(scope("/api/v1/analytics/events/")) == ("ingest", "ingest:203.0.113.9")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/analytics/sites/sk_x/goals", "/api/v1/analytics/sites/a/goals/b/stats", "/graphql"],
)
def test_authenticated_routes_count_per_token_hash(path: str) -> None:
    secret = "gg_" + "a" * 43
    digest = hashlib.sha256(secret.encode()).hexdigest()[:40]
    found = limit_key(scope(path, f"Bearer {secret}".encode()))  # type: ignore[arg-type]
    assert found == ("token", f"token:{digest}")
    assert secret not in found[1]


@pytest.mark.parametrize("authorization", [None, b"Basic dXNlcjpwdw==", b"Bearer "])
def test_authenticated_routes_without_a_bearer_token_count_per_ip(
    authorization: bytes | None,
) -> None:
    found = limit_key(scope("/graphql", authorization))  # type: ignore[arg-type]
    assert found == ("token", "anon:203.0.113.9")


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/schema/openapi.json", "/js/ka.js"])
def test_other_routes_are_not_limited(path: str) -> None:
    assert limit_key(scope(path, b"Bearer x")) is None  # type: ignore[arg-type]


async def test_first_hits_of_many_keys_at_once_share_one_write() -> None:
    """A site's visitors come from many addresses, each new in each window: their
    inline syncs wait for one write together, not one write each."""

    class Slow(MemoryCounters):
        async def add(self, counts: list[tuple[str, int, int, int]]) -> list[int]:
            await asyncio.sleep(0.01)
            return await super().add(counts)

    store = Slow()
    limiter = RateLimiter(store, clock=lambda: 1_800_000_010.0, sync_every=3600)
    quota = Quota(600, 60)
    decisions = await asyncio.gather(*(limiter.hit(f"ip{n}", quota) for n in range(100)))
    assert decisions == [Decision(True, 600, 599, 50)] * 100
    # The write starts on the loop's next turn: all 100 are in it.
    assert [store.calls, len(store.counts)] == [1, 100]
    assert set(store.counts.values()) == {1}
    # Keys that must sync while a write is under way go in the next one, together.
    first = asyncio.create_task(limiter.hit("late0", quota))
    await asyncio.sleep(0.001)  # its write is under way
    later = await asyncio.gather(*(limiter.hit(f"late{n}", quota) for n in range(1, 50)))
    assert (await first, later) == (
        Decision(True, 600, 599, 50),
        [Decision(True, 600, 599, 50)] * 49,
    )
    assert [store.calls, len(store.counts)] == [3, 150]
    await limiter.close()


async def test_a_failed_shared_write_fails_each_waiting_request_and_keeps_its_count() -> None:
    class Down(MemoryCounters):
        async def add(self, counts: list[tuple[str, int, int, int]]) -> list[int]:
            self.calls += 1
            await asyncio.sleep(0.01)
            raise ConnectionError("store down")

    store = Down()
    limiter = RateLimiter(store, clock=lambda: 1_800_000_010.0, sync_every=3600)
    quota = Quota(600, 60)
    outcomes = await asyncio.gather(
        *(limiter.hit(f"ip{n}", quota) for n in range(10)), return_exceptions=True
    )
    assert [type(o).__name__ for o in outcomes] == ["ConnectionError"] * 10
    assert store.calls == 1
    # Counted locally for the next sync; meanwhile hits count in memory only.
    assert (await limiter.hit("ip0", quota)).remaining == 598
    assert store.calls == 1
    await limiter.close()
