"""examples/demo.py runs to the end, and every vinyl result equals Django's."""

from __future__ import annotations

from conftest import EXAMPLES, example_env, run


def test_the_demo_agrees_with_django_everywhere() -> None:
    output = run(["demo.py"], EXAMPLES, example_env())
    compared = output.count("    Django -> ")
    assert compared >= 8, output
    assert output.count("(same)") == compared, output
    assert "on_commit: 2 authors and 4 books saved" in output
    assert "NotFetched: Book.author was not fetched" in output
    assert output.rstrip().endswith("done.")
