# generated from tests/async_/test_single.py by codegen — do not edit


def test_nothing() -> None:
    assert True
