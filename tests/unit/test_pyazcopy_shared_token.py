"""One refresh shared by concurrent requests, and refreshes only near expiry."""

from __future__ import annotations

import threading
import time

from azure.core.credentials import AccessToken

from pyazcopy.auth.shared_token import SharedTokenCredential


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class CountingCredential:
    def __init__(self, clock, lifetime: float, delay: float = 0.0) -> None:
        self.clock, self.lifetime, self.delay, self.calls = clock, lifetime, delay, 0

    def get_token(self, *scopes, **kwargs):
        self.calls += 1
        time.sleep(self.delay)
        return AccessToken(f"token-{self.calls}", int(self.clock() + self.lifetime))


def test_concurrent_requests_share_one_refresh():
    clock = Clock()
    inner = CountingCredential(clock, 30, delay=0.2)
    shared = SharedTokenCredential(inner, clock=clock)
    tokens, errors = [], []

    def request() -> None:
        try:
            tokens.append(shared.get_token("scope").token)
        except BaseException as error:  # an error in a thread would otherwise be lost
            errors.append(error)

    threads = [threading.Thread(target=request) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert inner.calls == 1 and tokens == ["token-1"] * 16


def test_thirty_second_tokens_refresh_once_per_lifetime():
    clock = Clock()
    inner = CountingCredential(clock, 30)
    shared = SharedTokenCredential(inner, clock=clock)
    for _ in range(300):  # 300 seconds of one request per second
        shared.get_token("scope")
        clock.now += 1
    # 10 lifetimes of 30 s; each token is used for 27 s (10 % margin), so at most one refresh per lifetime, plus one
    assert inner.calls <= 300 / 30 + 2


def test_hour_long_tokens_refresh_five_minutes_early():
    clock = Clock()
    inner = CountingCredential(clock, 3600)
    shared = SharedTokenCredential(inner, clock=clock)
    shared.get_token("scope")
    clock.now += 3600 - 301
    shared.get_token("scope")
    assert inner.calls == 1
    clock.now += 2
    shared.get_token("scope")
    assert inner.calls == 2


def test_on_refresh_called_and_errors_mapped():
    clock = Clock()
    seen = []

    class Failing:
        def get_token(self, *scopes, **kwargs):
            raise RuntimeError("upstream")

    shared = SharedTokenCredential(CountingCredential(clock, 30), on_refresh=lambda: seen.append(1), clock=clock)
    shared.get_token("scope")
    assert seen == [1]
    mapped = SharedTokenCredential(Failing(), clock=clock, error_mapper=lambda error: ValueError("mapped"))
    try:
        mapped.get_token("scope")
    except ValueError as error:
        assert str(error) == "mapped"
    else:
        raise AssertionError("expected the mapped error")
