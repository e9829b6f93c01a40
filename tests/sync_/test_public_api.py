# generated from tests/async_/test_public_api.py by codegen — do not edit

"""The public API is documented: every name in ``__all__`` has a docstring and a section
in the API reference (docs/api.md, generated from the docstrings by docs/gen_api.py)."""

from pathlib import Path

import pytest

import vinyl_sync

API_REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _own_docstring(obj):
    # A class without a docstring would show its base's through obj.__doc__.
    return obj.__dict__.get("__doc__") if isinstance(obj, type) else obj.__doc__


@pytest.mark.parametrize("name", sorted(set(vinyl_sync.__all__) - {"__version__"}))
def test_every_public_name_has_a_docstring(name):
    doc = _own_docstring(getattr(vinyl_sync, name))
    assert doc and doc.strip(), f"vinyl_sync.{name} has no docstring"


def test_the_version_is_a_public_string():
    assert isinstance(vinyl_sync.__version__, str) and vinyl_sync.__version__


def test_every_public_name_has_a_section_in_the_api_reference():
    text = API_REFERENCE.read_text()
    missing = [name for name in vinyl_sync.__all__ if f"\n## `{name}`\n" not in text]
    assert not missing, f"not in docs/api.md (run `nox -s docs`): {missing}"
