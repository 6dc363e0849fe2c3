import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    # The rate limit counts in the cache, per address and minute: each test starts at zero.
    cache.clear()
    yield
    cache.clear()
