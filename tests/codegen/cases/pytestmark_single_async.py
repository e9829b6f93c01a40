import pytest

pytestmark = pytest.mark.asyncio


async def test_nothing() -> None:
    assert True
