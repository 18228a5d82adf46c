"""The directory's count cache: in-process by default, shared through Redis when configured."""

from __future__ import annotations

import logging
import os
import uuid

import pytest
from conftest import other_app
from flask_caching.backends import NullCache, RedisCache, SimpleCache
from test_mentors import make_profile

from careerlink.extensions import db as _db
from careerlink.mentors import directory_snapshot
from careerlink.mentors.directory_snapshot import Snapshot
from careerlink.mentors.facet_cache import cache_config, facet_cache, is_enabled
from careerlink.mentors.search import SearchCriteria, search_mentors
from careerlink.paths import load_config_module
from careerlink.permissions import Role

REDIS_URL = os.environ.get("CAREERLINK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SETTINGS = {
    "CAREERLINK_DIRECTORY_CACHE_SIZE": 512,
    "CAREERLINK_CACHE_URL": None,
    "CAREERLINK_CACHE_PREFIX": "careerlink:",
}


@pytest.fixture
def two_mentors(db, make_user, industries):
    """Two listed alumni, both accepting requests."""
    return [
        make_profile(db, make_user(Role.ALUMNUS, name=name), industries=(industry,))
        for name, industry in (("Ann Shared", "veterinary"), ("Bob Shared", "law"))
    ]


def counted_search(application, **kw):
    """Search inside `application`: (result, whether it counted rather than read the cache)."""
    counted: list[bool] = []
    counts = Snapshot.counts

    def spy(self, *args):
        counted.append(True)
        return counts(self, *args)

    with application.app_context():
        Snapshot.counts = spy
        try:
            result = search_mentors(**kw)
        finally:
            Snapshot.counts = counts
            _db.session.remove()
    return result, bool(counted)


# --- settings -----------------------------------------------------------------------------------


def test_in_process_by_default(app, db):
    assert isinstance(facet_cache().cache, SimpleCache)
    assert is_enabled()
    assert cache_config(SETTINGS) == {
        "CACHE_TYPE": "SimpleCache",
        "CACHE_THRESHOLD": 512,
        "CACHE_KEY_PREFIX": "careerlink:",
        "CACHE_DEFAULT_TIMEOUT": 24 * 3600,
    }


def test_redis_when_a_url_is_set():
    settings = {**SETTINGS, "CAREERLINK_CACHE_URL": "redis://cache.internal:6379/2"}
    assert cache_config(settings) == {
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": "redis://cache.internal:6379/2",
        "CACHE_KEY_PREFIX": "careerlink:",
        "CACHE_DEFAULT_TIMEOUT": 24 * 3600,
    }


@pytest.mark.parametrize("url", [None, "redis://127.0.0.1:6379/0"])
def test_size_zero_turns_it_off(url):
    settings = {**SETTINGS, "CAREERLINK_DIRECTORY_CACHE_SIZE": 0, "CAREERLINK_CACHE_URL": url}
    assert cache_config(settings)["CACHE_TYPE"] == "NullCache"


def test_settings_from_the_environment():
    cfg = load_config_module()
    config = cfg.Config({})
    assert config.CAREERLINK_CACHE_URL is None
    assert config.CAREERLINK_CACHE_PREFIX == "careerlink:"
    for url in ("redis://127.0.0.1:6379/0", "rediss://user:pw@cache.example.edu:6380/1"):
        configured = cfg.Config({"CAREERLINK_CACHE_URL": f" {url} "})
        assert url == configured.CAREERLINK_CACHE_URL
    staging = cfg.Config({"CAREERLINK_CACHE_PREFIX": "cl-staging:"})
    assert staging.CAREERLINK_CACHE_PREFIX == "cl-staging:"


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:6379", "memcached://127.0.0.1", "127.0.0.1:6379", "redis://"]
)
def test_a_cache_url_must_be_redis(url):
    cfg = load_config_module()
    with pytest.raises(cfg.ConfigError, match="CAREERLINK_CACHE_URL must be a redis://"):
        cfg.Config({"CAREERLINK_CACHE_URL": url})


@pytest.mark.parametrize("prefix", ["", "  ", "with space:", "x" * 101])
def test_a_cache_prefix_must_not_be_empty(prefix):
    # An empty prefix would make clearing the cache empty the whole shared Redis database.
    cfg = load_config_module()
    with pytest.raises(cfg.ConfigError, match="CAREERLINK_CACHE_PREFIX"):
        cfg.Config({"CAREERLINK_CACHE_PREFIX": prefix})


# --- in process ---------------------------------------------------------------------------------


def test_each_process_keeps_its_own_counts(app, db, two_mentors, database, tmp_path):
    facet_cache().clear()
    cold, cold_counted = counted_search(app)
    warm, warm_counted = counted_search(app)
    assert cold.total == warm.total == 2 and warm.facets == cold.facets
    assert (cold_counted, warm_counted) == (True, False)
    with other_app(database, tmp_path) as worker:
        again, counted = counted_search(worker)
    assert again.total == 2 and counted is True


def test_switched_off_counts_every_time(db, two_mentors, database, tmp_path):
    with other_app(database, tmp_path, CAREERLINK_DIRECTORY_CACHE_SIZE=0) as uncached:
        with uncached.app_context():
            assert isinstance(facet_cache().cache, NullCache) and not is_enabled()
        first, first_counted = counted_search(uncached)
        second, second_counted = counted_search(uncached)
    assert first.total == second.total == 2
    assert (first_counted, second_counted) == (True, True)


def test_an_unreachable_redis_does_not_break_the_directory(
    db, two_mentors, database, tmp_path, caplog
):
    # Port 1 on loopback: nothing listens there, the connection is refused at once.
    with (
        other_app(database, tmp_path, CAREERLINK_CACHE_URL="redis://127.0.0.1:1/0") as down,
        caplog.at_level(logging.WARNING, logger="careerlink.mentors.facet_cache"),
    ):
        result, _ = counted_search(down)
    assert result.total == 2 and result.facets["industry"] == {"veterinary": 1, "law": 1}
    assert "directory count cache unavailable" in caplog.text


# --- shared in Redis ----------------------------------------------------------------------------


@pytest.fixture
def redis_client():
    """A client of the test Redis (CAREERLINK_TEST_REDIS_URL, by default on loopback)."""
    redis = pytest.importorskip("redis", reason="the redis package is not installed")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as err:
        pytest.skip(f"Redis does not answer at {REDIS_URL}: {err}")
    yield client
    client.close()


def test_workers_share_counts_through_redis(db, two_mentors, database, tmp_path, redis_client):
    prefix = f"careerlink-test-{uuid.uuid4().hex}:"  # this run's keys only; removed below
    settings = {"CAREERLINK_CACHE_URL": REDIS_URL, "CAREERLINK_CACHE_PREFIX": prefix}
    with (
        other_app(database, tmp_path / "a", **settings) as first_worker,
        other_app(database, tmp_path / "b", **settings) as second_worker,
    ):
        try:
            with first_worker.app_context():
                assert isinstance(facet_cache().cache, RedisCache)
            cold, cold_counted = counted_search(first_worker)
            assert cold.total == 2 and cold.facets["accepting"] == {"yes": 2}
            keys = list(redis_client.scan_iter(match=prefix + "directory-counts:*"))
            assert len(keys) == 1

            # The other worker reads the counts the first one stored.
            warm, warm_counted = counted_search(second_worker)
            assert warm.total == 2 and warm.facets == cold.facets
            assert (cold_counted, warm_counted) == (True, False)

            # A change made anywhere bumps the data version: both count afresh.
            ann = two_mentors[0]
            ann.accepting_requests = False
            db.session.commit()
            fresh, fresh_counted = counted_search(second_worker)
            assert fresh.facets["accepting"] == {"yes": 1}
            assert fresh_counted is True
            shared, shared_counted = counted_search(first_worker)
            assert shared.facets["accepting"] == {"yes": 1}
            assert shared_counted is False
            assert len(list(redis_client.scan_iter(match=prefix + "directory-counts:*"))) == 2
        finally:
            with first_worker.app_context():
                facet_cache().clear()  # by prefix: other users of this Redis are untouched
    assert list(redis_client.scan_iter(match=prefix + "*")) == []


def test_a_new_worker_starts_from_the_snapshot_another_stored(
    db, two_mentors, database, tmp_path, redis_client, monkeypatch
):
    """With Redis, a worker without a snapshot takes another's copy and catches up from it."""
    prefix = f"careerlink-test-{uuid.uuid4().hex}:"
    settings = {"CAREERLINK_CACHE_URL": REDIS_URL, "CAREERLINK_CACHE_PREFIX": prefix}
    with (
        other_app(database, tmp_path / "a", **settings) as first_worker,
        other_app(database, tmp_path / "b", **settings) as second_worker,
    ):
        try:
            counted_search(first_worker, criteria=SearchCriteria())
            stored = [k.decode() for k in redis_client.scan_iter(match=prefix + "*snapshot*")]
            assert len(stored) == 1 and stored[0].startswith(prefix + "directory-snapshot:")

            ann = two_mentors[0]
            ann.accepting_requests = False  # a change the stored copy does not hold
            db.session.commit()
            reads = []
            read = directory_snapshot.read_snapshot
            monkeypatch.setattr(
                directory_snapshot,
                "read_snapshot",
                lambda *args: reads.append(args) or read(*args),
            )
            caught_up, _counted = counted_search(second_worker, criteria=SearchCriteria())
            assert reads == []
            assert caught_up.facets["accepting"] == {"yes": 1}
        finally:
            with first_worker.app_context():
                facet_cache().clear()
    assert list(redis_client.scan_iter(match=prefix + "*")) == []
