"""Generate docs/api.md from the docstrings of vinyl_async's public names.

    python docs/gen_api.py            write docs/api.md
    python docs/gen_api.py --check    exit 1 (with a diff) if docs/api.md is stale

``nox -s docs`` runs it against the installed wheel. Every name in
``vinyl_async.__all__`` gets a section, plus :class:`vinyl_async.manager.Manager`
(what ``M.vinyl`` is). For classes, the methods that vinyl defines itself are listed
(QuerySet's chainable methods are Django's and are documented by Django).
The output depends only on the source: no dates, no paths, no Django version.
"""

from __future__ import annotations

import argparse
import difflib
import inspect
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

API_MD = Path(__file__).resolve().parent / "api.md"

HEADER = """\
# API reference

Generated from the docstrings of `vinyl_async` by `docs/gen_api.py`; do not edit by hand.
Run `nox -s docs` after changing a docstring (it fails while this file is stale).

`vinyl_sync` has the same names with the same behaviour: where this page says
"coroutine", the sync package has a plain method or function (no `await`), `async with`
is `with` and `async for` is `for`.

QuerySet's chainable methods (`filter`, `exclude`, `annotate`, `order_by`, `values`,
`select_related`, `prefetch_related`, ...) are Django's own, with Django's documentation;
only what vinyl adds or changes is listed here. See [differences.md](differences.md) for
how vinyl differs from Django's ORM.
"""

# Data names have no docstring of their own: their description is written here.
DATA = {"__version__": "The version of the package, e.g. `'0.1.0'` (same for vinyl_sync)."}

# Documented after __all__: not importable from the top level, but what users hold.
EXTRA = {"Manager": "vinyl_async.manager"}

# Methods that are part of a protocol with Django, not of vinyl's API.
SKIP = {"contribute_to_class"}

_ROLE = re.compile(r":(?:class|func|meth|mod|attr|exc|data):`~?([^`]+)`")


class _Annotation:
    """An annotation shown as written in the source (they are strings: PEP 563)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _doc(obj: Any) -> str:
    """The object's own docstring (not one inherited from a base class), as Markdown."""
    raw = obj.__dict__.get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    return _ROLE.sub(r"`\1`", inspect.cleandoc(raw)) if raw else ""


def _signature(obj: Callable[..., Any], *, method: bool = False) -> str:
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return "(...)"

    def plain(annotation: Any) -> Any:
        if annotation is inspect.Parameter.empty or not isinstance(annotation, str):
            return annotation
        return _Annotation(annotation)

    parameters = [p.replace(annotation=plain(p.annotation)) for p in signature.parameters.values()]
    if method and parameters and parameters[0].name in ("self", "cls"):
        parameters = parameters[1:]
    returns = plain(signature.return_annotation)
    return str(signature.replace(parameters=parameters, return_annotation=returns))


def _kind(func: Any) -> str:
    if inspect.iscoroutinefunction(func):
        return "coroutine "
    if inspect.isasyncgenfunction(func):
        return "async iterator "
    return ""


def _own_methods(cls: type) -> Iterator[tuple[str, Any]]:
    """Public methods and properties defined by *cls* or its vinyl bases (not Django's)."""
    seen: set[str] = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("vinyl_async"):
            continue
        for name, member in klass.__dict__.items():
            if name.startswith("_") or name in seen or name in SKIP:
                continue
            if isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            if callable(member) or isinstance(member, property):
                seen.add(name)
                yield name, member


def _class_section(name: str, cls: type, module: str) -> list[str]:
    lines = [f"## `{name}`", "", "```python", f"class {module}.{name}{_signature(cls)}"]
    bases = [b for b in cls.__bases__ if b is not object]
    if bases:
        shown = ", ".join(f"{b.__module__}.{b.__qualname__}" for b in bases)
        lines.append(f"# bases: {shown}")
    lines += ["```", "", _doc(cls) or "(undocumented)", ""]
    for method_name, member in sorted(_own_methods(cls)):
        if isinstance(member, property):
            heading = f"`{name}.{method_name}` (property)"
            doc = _doc(member.fget)
        else:
            signature = _signature(member, method=True)
            heading = f"`{_kind(member)}{name}.{method_name}{signature}`"
            doc = _doc(member)
        lines += [f"### {heading}", ""]
        if doc:
            lines += [doc, ""]
    return lines


def _function_section(name: str, func: Any, module: str) -> list[str]:
    return [
        f"## `{name}`",
        "",
        "```python",
        f"{_kind(func)}{module}.{name}{_signature(func)}".replace("coroutine ", "async def "),
        "```",
        "",
        _doc(func) or "(undocumented)",
        "",
    ]


def render() -> str:
    import importlib

    import vinyl_async

    names = [(name, getattr(vinyl_async, name), "vinyl_async") for name in vinyl_async.__all__]
    names += [(n, getattr(importlib.import_module(m), n), m) for n, m in EXTRA.items()]
    lines = [HEADER, "## Contents", ""]
    lines += [f"- [`{name}`](#{name.lower()})" for name, _, _ in names]
    lines.append("")
    for name, obj, module in names:
        if name in DATA:
            lines += [f"## `{name}`", "", DATA[name], ""]
        elif isinstance(obj, type):
            lines += _class_section(name, obj, module)
        else:
            lines += _function_section(name, obj, module)
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if docs/api.md is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = API_MD.read_text() if API_MD.exists() else ""
        if current != text:
            sys.stdout.writelines(
                difflib.unified_diff(
                    current.splitlines(True), text.splitlines(True), "docs/api.md", "generated"
                )
            )
            print("\ndocs/api.md is stale: run `nox -s docs` and commit it.", file=sys.stderr)
            return 1
        print("docs/api.md is up to date.")
        return 0
    API_MD.write_text(text)
    print(f"wrote {API_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
