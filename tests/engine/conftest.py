from __future__ import annotations

import pytest

from tests.support.redis_server import redis_server


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url
