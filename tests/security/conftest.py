from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Failed key authentications lock an address out: each test starts with none counted."""
    cache.clear()
    yield
    cache.clear()
