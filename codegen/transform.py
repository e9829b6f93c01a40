"""The libcst passes that turn one vinyl_async module into its vinyl_sync twin.

``transform_module`` runs, in order:

1. ``MarkerPass`` — resolves the ``IS_ASYNC`` / ``@async_only`` markers (keeps the sync
   branch, drops async-only definitions). It runs first so that the async branches, which
   legitimately hold ``asyncio`` code and imports, never reach the renaming rules.
2. ``SyncPass`` — the async → sync rules proper: ``async``/``await`` removal, dunders, the
   ``NAMES`` table (imports, dotted chains, bare names, string annotations, the package word
   in string literals), typing rewrites, pytest-asyncio clean-up.
3. ``ImportCleanupPass`` — drops the imports the first two passes orphaned and adds the ones
   the renames need (``asyncio.Lock`` → ``threading.Lock`` needs ``import threading``).
4. ``check_leftovers`` — the strict check: anything async left is reported with the
   *source* line, so ``CodegenError`` always points at the line the author has to change.

Every pass records, for each node it returns, the node of the parsed source it came from
(``Origins``); the next pass looks its originals up there. That is how an error found in the
final tree still names a line of the hand-written file although earlier passes moved
everything around. Positions are computed only when there is an error to report (they are
the most expensive metadata libcst has).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from . import names as N

PARSER_CONFIG = cst.PartialParserConfig(python_version="3.11")
"""Parse as the oldest supported Python, whatever runs codegen (same bytes on 3.11–3.13)."""

_EMPTY_MODULE = cst.Module(body=[])
_LEFTOVER_RE = re.compile(N.LEFTOVER_PATTERN)
_PROSE = tuple((re.compile(pattern), replacement) for pattern, replacement in N.PROSE)
_STRING_LEFTOVER_RE = re.compile(N.STRING_LEFTOVER_PATTERN)


def rewrite_prose(text: str) -> str:
    """Apply the ``PROSE`` rules to the text of a string literal."""
    for pattern, replacement in _PROSE:
        text = pattern.sub(replacement, text)
    return text


_STRING_WORDS_RE = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(w) for w in N.STRING_WORDS) + r")(?!\w)"
)
_LITERAL_TYPES = frozenset({"typing.Literal", "typing_extensions.Literal"})

_T = TypeVar("_T", bound=cst.CSTNode)


# --------------------------------------------------------------------------------------
# Errors


@dataclass(frozen=True, order=True)
class Problem:
    """One thing codegen cannot map, at a line of the source file."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class CodegenError(Exception):
    """Raised with every ``Problem`` found; nothing is written when it is raised."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class Context:
    """What a pass needs to know about the file being transformed."""

    path: str  # shown in messages, e.g. "src/vinyl_async/query.py"
    module: str  # dotted name, e.g. "vinyl_async.query"
    package: str  # the package relative imports start from
    reported: list[tuple[cst.CSTNode, str]] = field(default_factory=list)

    def report(self, source_node: cst.CSTNode, message: str) -> None:
        """Note a problem at ``source_node``, a node of the parsed source module."""
        self.reported.append((source_node, message))

    def problems(self, source: cst.Module) -> list[Problem]:
        """The reported problems with their source lines."""
        positions = MetadataWrapper(source, unsafe_skip_copy=True).resolve(PositionProvider)
        return [
            Problem(self.path, positions[node].start.line if node in positions else 1, message)
            for node, message in self.reported
        ]


# --------------------------------------------------------------------------------------
# Name mapping


def map_name(qualified: str) -> str | None:
    """Apply the longest ``NAMES`` key that is ``qualified`` or a dotted prefix of it."""
    parts = qualified.split(".")
    for end in range(len(parts), 0, -1):
        key = ".".join(parts[:end])
        if key in N.NAMES:
            return ".".join([N.NAMES[key], *parts[end:]])
    return None


def method_rename(name: str) -> str | None:
    """The sync name of a method (definition or attribute) from the method tables, if any."""
    return N.DUNDERS.get(name) or N.LIBRARY_METHODS.get(name) or N.VINYL_METHODS.get(name)


def dotted(node: cst.CSTNode) -> str | None:
    """``a.b.c`` for a pure Name/Attribute chain (``f().b`` is not one), else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr.value}" if base is not None else None
    return None


def build_dotted(text: str) -> cst.Name | cst.Attribute:
    """The expression node for a dotted name."""
    head, *rest = text.split(".")
    node: cst.Name | cst.Attribute = cst.Name(head)
    for part in rest:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def code_of(node: cst.CSTNode) -> str:
    return _EMPTY_MODULE.code_for_node(node)


def alias_name(alias: cst.ImportAlias) -> str:
    """``a.b`` of ``import a.b as c`` / ``x`` of ``from m import x as y``."""
    return dotted(alias.name) or ""


def alias_asname(alias: cst.ImportAlias) -> str | None:
    """``c`` of ``import a.b as c`` (None without ``as``)."""
    if alias.asname is None:
        return None
    return dotted(alias.asname.name)


@dataclass(frozen=True)
class Binding:
    """What a bare name stands for, before (``qual``) and after (``new_*``) the transform."""

    local: str
    qual: str
    new_local: str
    new_qual: str


def plan_import(name: str, asname: str | None) -> tuple[Binding, str]:
    """``import name [as asname]``: the binding it creates and the module imported in sync."""
    new_name = map_name(name) or name
    local = asname or name.split(".")[0]
    new_local = asname or new_name.split(".")[0]
    qual = name if asname else local
    new_qual = new_name if asname else new_local
    return Binding(local, qual, new_local, new_qual), new_name


@dataclass(frozen=True)
class FromPlan:
    """``from <module> import <name> [as <asname>]`` in the sync output."""

    binding: Binding
    level: int  # relative import dots (0: absolute)
    module: str | None
    name: str


def resolve_relative(package: str, level: int, module: str | None) -> str:
    base = package.split(".")
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, *([module] if module else [])])


def plan_from_import(
    package: str, level: int, module: str | None, name: str, asname: str | None
) -> FromPlan:
    """Where a from-import goes in sync, and the binding it creates.

    Relative imports stay relative when the name stays in the same (renamed) package
    module: the ``vinyl_async`` → ``vinyl_sync`` move is implicit for them.
    """
    base = resolve_relative(package, level, module) if level else (module or "")
    qual = f"{base}.{name}"
    new_qual = map_name(qual) or qual
    new_module, new_name = new_qual.rsplit(".", 1)
    binding = Binding(asname or name, qual, asname or new_name, new_qual)
    if level and new_module == (map_name(base) or base):
        return FromPlan(binding, level, module, new_name)
    return FromPlan(binding, 0, new_module, new_name)


# --------------------------------------------------------------------------------------
# Scope: what every name of a module refers to


class Scope:
    """Maps the bare names of one module to ``Binding``s.

    Deliberately simple (one namespace for the whole module): imports anywhere bind their
    name; names defined at module level are ``<module>.<name>``; names bound anywhere else
    (locals, parameters) are left alone; unbound names are builtins. Conflicting imports of
    one name make it ambiguous, and mapping an ambiguous name is an error.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.imports: dict[str, set[Binding]] = {}
        self.module_level: set[str] = set()
        self.local: set[str] = set()

    def lookup(self, name: str) -> set[Binding]:
        """All candidate bindings of a bare name (empty: a local variable)."""
        if name in self.imports:
            return self.imports[name]
        if name in self.module_level:
            qual = f"{self.ctx.module}.{name}"
            return {Binding(name, qual, name, map_name(qual) or qual)}
        if name in self.local:
            return set()
        qual = f"builtins.{name}"
        return {Binding(name, qual, name, qual)}

    def resolve(self, node: cst.BaseExpression) -> tuple[Binding, str] | None:
        """The binding of a chain's head and the chain's qualified name, if unambiguous."""
        text = dotted(node)
        if text is None:
            return None
        head, _, rest = text.partition(".")
        candidates = self.lookup(head)
        if len(candidates) != 1:
            return None
        (binding,) = candidates
        return binding, f"{binding.qual}.{rest}" if rest else binding.qual

    def is_ambiguous(self, node: cst.BaseExpression) -> bool:
        text = dotted(node)
        return text is not None and len(self.lookup(text.split(".")[0])) > 1

    def qualified(self, node: cst.BaseExpression) -> str | None:
        resolved = self.resolve(node)
        return resolved[1] if resolved else None


class _ScopeCollector(cst.CSTVisitor):
    """Fills a ``Scope`` (see there) from one module."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.kinds: list[str] = ["module"]

    def _bind(self, name: str) -> None:
        if self.kinds[-1] == "module":
            self.scope.module_level.add(name)
        elif self.kinds[-1] == "function":
            self.scope.local.add(name)

    def _bind_target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self._bind(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value)

    def _add_import(self, binding: Binding) -> None:
        self.scope.imports.setdefault(binding.local, set()).add(binding)

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            self._add_import(plan_import(alias_name(alias), alias_asname(alias))[0])
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if isinstance(node.names, cst.ImportStar):
            return False
        module = dotted(node.module) if node.module else None
        for alias in node.names:
            plan = plan_from_import(
                self.scope.ctx.package,
                len(node.relative),
                module,
                alias_name(alias),
                alias_asname(alias),
            )
            self._add_import(plan.binding)
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._bind(node.name.value)
        self.kinds.append("function")

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.kinds.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.kinds.append("function")

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.kinds.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._bind(node.name.value)
        self.kinds.append("class")

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.kinds.pop()

    def visit_Param(self, node: cst.Param) -> None:
        self.scope.local.add(node.name.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._bind_target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind_target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind_target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._bind_target(node.name)  # type: ignore[arg-type]

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self.kinds.append("function")  # comprehension targets are local to it
        self._bind_target(node.target)
        self.kinds.pop()


def collect_scope(module: cst.Module, ctx: Context) -> Scope:
    scope = Scope(ctx)
    module.visit(_ScopeCollector(scope))
    return scope


# --------------------------------------------------------------------------------------
# Line tracking across passes


class Origins:
    """The source node each node of a tree came from, keyed by identity.

    The nodes are kept alive with their entry, so an id cannot be reused by another node.
    ``Origins.IDENTITY`` stands for the parsed source itself (every node is its own origin).
    """

    IDENTITY: Origins

    def __init__(self, identity: bool = False) -> None:
        self._identity = identity
        self._origins: dict[int, tuple[cst.CSTNode, cst.CSTNode]] = {}

    def get(self, node: cst.CSTNode) -> cst.CSTNode | None:
        if self._identity:
            return node
        entry = self._origins.get(id(node))
        return entry[1] if entry is not None and entry[0] is node else None

    def set(self, node: cst.CSTNode, origin: cst.CSTNode) -> None:
        self._origins[id(node)] = (node, origin)


Origins.IDENTITY = Origins(identity=True)


class TrackingTransformer(cst.CSTTransformer):
    """Base of the passes: knows the source node of the node at hand (for ``error``).

    It also sorts names: ``self.non_refs`` holds the ids of Names that are not references
    (attribute names, def/class/parameter names, keyword names), which renaming rules skip.
    Import statements are not descended into; passes deal with them as a whole.
    """

    def __init__(self, ctx: Context, previous: Origins, source: cst.Module) -> None:
        super().__init__()
        self.ctx = ctx
        self.previous = previous
        self.origins = Origins()
        self._origin_stack: list[cst.CSTNode] = [source]
        self.non_refs: set[int] = set()
        self._keepalive: list[cst.CSTNode] = []
        self._detached = 0  # > 0 while visiting nodes that are not from the module

    def visit_detached(self, node: _T) -> _T:
        """Transform a node parsed apart from the module (a string annotation).

        Its nodes have no origin: errors in it are reported at the enclosing node.
        """
        self._keepalive.append(node)
        self._detached += 1
        try:
            return node.visit(self)  # type: ignore[return-value]
        finally:
            self._detached -= 1

    def error(self, message: str) -> None:
        """Report a problem at the source of the node at hand (or of its nearest ancestor)."""
        self.ctx.report(self._origin_stack[-1], message)

    def on_visit(self, node: cst.CSTNode) -> bool:
        origin = None if self._detached else self.previous.get(node)
        self._origin_stack.append(origin or self._origin_stack[-1])
        self._note_non_refs(node)
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            super().on_visit(node)
            return False
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        result = super().on_leave(original_node, updated_node)
        origin = self._origin_stack.pop()
        nodes = result.nodes if isinstance(result, cst.FlattenSentinel) else [result]
        for node in nodes:
            if isinstance(node, cst.CSTNode):
                self.origins.set(node, origin)
        return result

    def _note_non_refs(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Attribute):
            self.non_refs.add(id(node.attr))
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Param)):
            self.non_refs.add(id(node.name))
        elif isinstance(node, cst.Arg) and node.keyword is not None:
            self.non_refs.add(id(node.keyword))


# --------------------------------------------------------------------------------------
# Small libcst helpers


def block_statements(suite: cst.BaseSuite) -> list[cst.BaseStatement]:
    """The statements of an indented block or of a one-line ``if x: a; b`` suite."""
    if isinstance(suite, cst.IndentedBlock):
        return list(suite.body)
    assert isinstance(suite, cst.SimpleStatementSuite)
    return [cst.SimpleStatementLine(body=suite.body)]


_WithComma = TypeVar("_WithComma", cst.Arg, cst.Element, cst.ImportAlias, cst.SubscriptElement)


def repunctuate(items: Sequence[_WithComma], trailing: bool) -> list[_WithComma]:
    """Commas between items after some were removed or added; a trailing one only if wanted.

    A stray trailing comma would be a "magic trailing comma" to ruff and explode the line.
    """
    out: list[_WithComma] = []
    for index, item in enumerate(items):
        last = index == len(items) - 1
        if not last and not isinstance(item.comma, cst.Comma):
            item = item.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        elif last and not trailing:
            item = item.with_changes(comma=cst.MaybeSentinel.DEFAULT)
        out.append(item)
    return out


def has_trailing_comma(items: Sequence[_WithComma]) -> bool:
    return bool(items) and isinstance(items[-1].comma, cst.Comma)


def with_parens_of(node: _T, source: cst.BaseExpression) -> _T:
    """``node`` wrapped in the parentheses ``source`` had (a replacement keeps grouping)."""
    if not source.lpar:
        return node
    return node.with_changes(  # type: ignore[return-value]
        lpar=[*source.lpar, *node.lpar], rpar=[*node.rpar, *source.rpar]
    )


_ATOMS = (
    cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString, cst.ConcatenatedString,
    cst.FormattedString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis, cst.List,
    cst.Tuple, cst.Set, cst.Dict, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp,
)  # fmt: skip


def replace_grouped(node: cst.BaseExpression, source: cst.BaseExpression) -> cst.BaseExpression:
    """``node`` in place of the parenthesized expression ``source``.

    The parentheses go when ``node`` cannot need them (an atom or primary on one line:
    ``(await f()).x`` → ``f().x``), else they are kept (``a * (b + c if X else d)``, or a
    chain that spans lines and relies on them).
    """
    if node.lpar or (
        isinstance(node, _ATOMS) and not isinstance(node, cst.Tuple) and "\n" not in code_of(node)
    ):
        return node
    return with_parens_of(node, source)


def strip_call(node: cst.BaseExpression) -> cst.BaseExpression:
    """``pytest.mark.asyncio(loop_scope=...)`` → ``pytest.mark.asyncio``."""
    return node.func if isinstance(node, cst.Call) else node


# --------------------------------------------------------------------------------------
# Pass 1: markers


class MarkerPass(TrackingTransformer):
    """Resolve ``IS_ASYNC`` and ``@async_only`` (see ``vinyl_async._compat``).

    ``if IS_ASYNC: A else: B`` keeps B in place of the statement (no else: the statement
    goes), ``if not IS_ASYNC: A else: B`` keeps A, ``elif`` links follow the same rule, and
    ``X if IS_ASYNC else Y`` becomes Y. Any other use of ``IS_ASYNC`` is an error rather
    than a guess. ``IS_ASYNC = True`` in ``_compat`` itself becomes ``False``.
    """

    def __init__(self, ctx: Context, scope: Scope, source: cst.Module) -> None:
        super().__init__(ctx, Origins.IDENTITY, source)
        self.scope = scope
        self._handled: set[int] = set()
        self._elifs: set[int] = set()

    def _is(self, node: cst.BaseExpression, marker: str) -> bool:
        return self.scope.qualified(node) == marker

    def _marker_test(self, test: cst.BaseExpression) -> bool | None:
        """True for ``IS_ASYNC``, False for ``not IS_ASYNC``, None for anything else."""
        if self._is(test, N.IS_ASYNC):
            self._handled.add(id(test))
            return True
        if (
            isinstance(test, cst.UnaryOperation)
            and isinstance(test.operator, cst.Not)
            and self._is(test.expression, N.IS_ASYNC)
        ):
            self._handled.add(id(test.expression))
            return False
        return None

    # -- if / elif / else ------------------------------------------------------------

    def visit_If(self, node: cst.If) -> None:
        self._marker_test(node.test)
        if isinstance(node.orelse, cst.If):
            self._elifs.add(id(node.orelse))

    def leave_If(self, original_node: cst.If, updated_node: cst.If) -> Any:
        kind = self._marker_test(original_node.test)
        if kind is None:
            return updated_node
        kept = updated_node.orelse if kind else updated_node.body
        if id(original_node) in self._elifs:
            return self._as_orelse(kept)
        return self._as_statements(kept, updated_node)

    @staticmethod
    def _as_orelse(kept: cst.BaseSuite | cst.If | cst.Else | None) -> Any:
        """The kept branch of an ``elif`` link, in the ``orelse`` slot of the previous link."""
        if kept is None:
            return cst.RemoveFromParent()
        if isinstance(kept, (cst.If, cst.Else)):
            return kept
        return cst.Else(body=kept)

    @staticmethod
    def _as_statements(kept: cst.BaseSuite | cst.If | cst.Else | None, node: cst.If) -> Any:
        """The kept branch of a statement-level ``if``, spliced in the enclosing block."""
        if kept is None:
            return cst.RemoveFromParent()
        if isinstance(kept, cst.If):  # the elif becomes a plain if
            return kept.with_changes(leading_lines=[*node.leading_lines, *kept.leading_lines])
        statements = block_statements(kept.body if isinstance(kept, cst.Else) else kept)
        first = statements[0]
        statements[0] = first.with_changes(
            leading_lines=[*node.leading_lines, *first.leading_lines]
        )
        return cst.FlattenSentinel(statements)

    # -- X if IS_ASYNC else Y ---------------------------------------------------------

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._marker_test(node.test)

    def leave_IfExp(self, original_node: cst.IfExp, updated_node: cst.IfExp) -> Any:
        kind = self._marker_test(original_node.test)
        if kind is None:
            return updated_node
        return replace_grouped(updated_node.orelse if kind else updated_node.body, updated_node)

    # -- @async_only ------------------------------------------------------------------

    def _async_only(self, node: cst.FunctionDef | cst.ClassDef) -> bool:
        found = False
        for decorator in node.decorators:
            if self._is(decorator.decorator, N.ASYNC_ONLY):
                self._handled.add(id(decorator.decorator))
                found = True
        return found

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._async_only(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._async_only(node)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> Any:
        return cst.RemoveFromParent() if self._async_only(original_node) else updated_node

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> Any:
        return cst.RemoveFromParent() if self._async_only(original_node) else updated_node

    # -- IS_ASYNC = True --------------------------------------------------------------

    def _defines_marker(self, target: cst.BaseExpression) -> bool:
        """The assignment of ``IS_ASYNC`` in ``_compat`` itself (marked handled on visit)."""
        if self.ctx.module != N.COMPAT_MODULE or not self._is(target, N.IS_ASYNC):
            return False
        self._handled.add(id(target))
        return True

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._defines_marker(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._defines_marker(node.target)

    def _sync_definition(self, updated_node: _T, value: cst.BaseExpression | None) -> _T:
        """``IS_ASYNC = True`` → ``IS_ASYNC = False`` (anything else is an error)."""
        if isinstance(value, cst.Name) and value.value == "True":
            return updated_node.with_changes(value=cst.Name("False"))
        self.error("IS_ASYNC must be defined as `IS_ASYNC = True`")
        return updated_node

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> Any:
        targets = original_node.targets
        if any(self._defines_marker(t.target) for t in targets):
            if len(targets) != 1:
                self.error("IS_ASYNC must be defined as `IS_ASYNC = True`")
                return updated_node
            return self._sync_definition(updated_node, original_node.value)
        return updated_node

    def leave_AnnAssign(self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign) -> Any:
        if self._defines_marker(original_node.target):
            return self._sync_definition(updated_node, original_node.value)
        return updated_node

    # -- anything else is an error ----------------------------------------------------

    def _check_marker_use(self, node: cst.BaseExpression) -> None:
        if id(node) in self.non_refs or id(node) in self._handled:
            return
        qualified = self.scope.qualified(node)
        if qualified == N.IS_ASYNC:
            self.error(
                "unsupported use of IS_ASYNC: codegen understands `if IS_ASYNC:`, "
                "`if not IS_ASYNC:` (also as elif) and `a if IS_ASYNC else b`"
            )
        elif qualified == N.ASYNC_ONLY:
            self.error("async_only must be used as a decorator of a def or class")

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        self._check_marker_use(original_node)
        return updated_node

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> Any:
        self._check_marker_use(original_node)
        return updated_node


# --------------------------------------------------------------------------------------
# Pass 2: async → sync


class SyncPass(TrackingTransformer):
    """The async → sync rules (see the package docstring for the list).

    References are rewritten at the top of each dotted chain (``asyncio.Lock`` as a whole):
    the chain is resolved to a qualified name through ``Scope``, mapped with ``NAMES`` and
    re-expressed through the (possibly renamed) binding of its head, or spelled out in full
    with an import added (``required``) when the target lives in another module.
    """

    def __init__(self, ctx: Context, scope: Scope, previous: Origins, source: cst.Module) -> None:
        super().__init__(ctx, previous, source)
        self.scope = scope
        self.required: set[str] = set()  # modules to import at top level
        self.renamed_locals: dict[str, str] = {}  # new import binding -> old one
        self._inner: set[int] = set()  # chain parts that are not the top of the chain
        self._subscripted: set[int] = set()  # expressions used as X in X[...]
        self._annotation_depth = 0
        self._literal_subscripts: set[int] = set()

    # -- async / await ----------------------------------------------------------------

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> Any:
        name = original_node.name.value
        if name in N.DELETED_METHODS:
            return cst.RemoveFromParent()
        updated_node = updated_node.with_changes(asynchronous=None)
        new_name = method_rename(name)
        if new_name:
            updated_node = updated_node.with_changes(name=cst.Name(new_name))
        return updated_node

    def leave_For(self, original_node: cst.For, updated_node: cst.For) -> cst.For:
        return updated_node.with_changes(asynchronous=None)

    def leave_With(self, original_node: cst.With, updated_node: cst.With) -> cst.With:
        return updated_node.with_changes(asynchronous=None)

    def leave_CompFor(self, original_node: cst.CompFor, updated_node: cst.CompFor) -> cst.CompFor:
        return updated_node.with_changes(asynchronous=None)

    def leave_Await(self, original_node: cst.Await, updated_node: cst.Await) -> Any:
        """``await x`` → ``x`` (the operand is a primary: it never needs new parentheses)."""
        return replace_grouped(updated_node.expression, updated_node)

    # -- decorators, pytestmark, dropped keywords --------------------------------------

    def _removed_mark(self, node: cst.BaseExpression) -> bool:
        return self.scope.qualified(strip_call(node)) in N.REMOVED_DECORATORS

    def leave_Decorator(self, original_node: cst.Decorator, updated_node: cst.Decorator) -> Any:
        if self._removed_mark(original_node.decorator):
            return cst.RemoveFromParent()
        return updated_node

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> Any:
        """``pytestmark = pytest.mark.asyncio`` goes; so does that item of a list/tuple."""
        targets = original_node.targets
        if len(targets) != 1 or dotted(targets[0].target) != "pytestmark":
            return updated_node
        value = original_node.value
        if self._removed_mark(value):
            return cst.RemoveFromParent()
        if isinstance(value, (cst.List, cst.Tuple)) and isinstance(
            updated_node.value, (cst.List, cst.Tuple)
        ):
            kept = [
                new
                for old, new in zip(value.elements, updated_node.value.elements, strict=True)
                if not self._removed_mark(old.value)
            ]
            if not kept:
                return cst.RemoveFromParent()
            trailing = has_trailing_comma(value.elements) or (
                isinstance(value, cst.Tuple) and len(kept) == 1
            )
            elements = repunctuate(kept, trailing)
            return updated_node.with_changes(
                value=updated_node.value.with_changes(elements=elements)
            )
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        dropped = N.DROPPED_KEYWORDS.get(self.scope.qualified(original_node.func) or "")
        if not dropped:
            return updated_node
        args = [a for a in updated_node.args if not (a.keyword and a.keyword.value in dropped)]
        if len(args) == len(updated_node.args):
            return updated_node
        return updated_node.with_changes(
            args=repunctuate(args, has_trailing_comma(updated_node.args))
        )

    # -- references -------------------------------------------------------------------

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._inner.add(id(node.value))

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> Any:
        if id(original_node) in self.non_refs or id(original_node) in self._inner:
            return updated_node
        return self._rewrite_reference(original_node, updated_node)

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> Any:
        node = updated_node
        if id(original_node) not in self._inner:
            node = self._rewrite_reference(original_node, updated_node)
        new_attr = method_rename(node.attr.value) if isinstance(node, cst.Attribute) else None
        return node.with_changes(attr=cst.Name(new_attr)) if new_attr else node

    def _rewrite_reference(self, original: cst.BaseExpression, updated: Any) -> Any:
        """Map the qualified name of a Name/Attribute chain and spell the result."""
        if self.scope.is_ambiguous(original):
            head = (dotted(original) or "").split(".")[0]
            candidates = self.scope.lookup(head)
            if any(b.qual != b.new_qual or map_name(b.qual) for b in candidates):
                sources = ", ".join(sorted(b.qual for b in candidates))
                self.error(
                    f"`{head}` is imported from several places ({sources}); "
                    "codegen cannot tell which one this reference means"
                )
            return updated
        resolved = self.scope.resolve(original)
        if resolved is None:
            return updated
        binding, qualified = resolved
        if qualified in N.UNWRAPPED_TYPES and id(original) not in self._subscripted:
            self.error(f"`{dotted(original)}` without a type argument has no sync equivalent")
            return updated
        target = map_name(qualified)
        if target is None:
            return updated
        text = self._spell(target, binding)
        if text == dotted(original):
            return updated
        return with_parens_of(build_dotted(text), updated)

    def _spell(self, target: str, binding: Binding) -> str:
        """How the sync module writes ``target``, given the binding of the chain's head."""
        if target == binding.new_qual:
            return binding.new_local
        if target.startswith(binding.new_qual + "."):
            return binding.new_local + target[len(binding.new_qual) :]
        if target.startswith("builtins."):
            return target[len("builtins.") :]
        self._require(target.rsplit(".", 1)[0])
        return target

    def _require(self, module: str) -> None:
        """Import ``module`` at top level, unless its name means something else here."""
        head = module.split(".")[0]
        unbound = Binding(head, f"builtins.{head}", head, f"builtins.{head}")
        if self.scope.lookup(head) - {unbound, Binding(head, head, head, head)} or (
            head in self.scope.local
        ):
            self.error(
                f"the sync code needs module `{module}`, but `{head}` names something else "
                "in this module"
            )
            return
        self.required.add(module)

    # -- typing -----------------------------------------------------------------------

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._subscripted.add(id(node.value))
        if self.scope.qualified(node.value) in _LITERAL_TYPES:
            self._literal_subscripts.add(id(node))

    def leave_Subscript(self, original_node: cst.Subscript, updated_node: cst.Subscript) -> Any:
        self._literal_subscripts.discard(id(original_node))
        qualified = self.scope.qualified(original_node.value)
        if qualified in N.UNWRAPPED_TYPES:
            return self._unwrap(updated_node, N.UNWRAPPED_TYPES[qualified])
        if qualified in N.GENERATOR_TYPES:
            return self._pad_generator(updated_node)
        return updated_node

    def _unwrap(self, node: cst.Subscript, index: int) -> Any:
        """``Awaitable[T]`` → ``T``, ``Coroutine[A, B, T]`` → ``T``."""
        elements = node.slice
        if len(elements) != index + 1 or not isinstance(elements[index].slice, cst.Index):
            self.error(f"cannot unwrap `{code_of(node)}`: expected {index + 1} type argument(s)")
            return node
        return with_parens_of(elements[index].slice.value, node)  # type: ignore[union-attr]

    def _pad_generator(self, node: cst.Subscript) -> cst.Subscript:
        """``AsyncGenerator[Y, S]`` → ``Generator[Y, S, None]`` (``[Y]`` → ``[Y, None, None]``)."""
        elements = list(node.slice)
        while len(elements) < 3:
            elements.append(cst.SubscriptElement(slice=cst.Index(cst.Name("None"))))
        return node.with_changes(slice=repunctuate(elements, trailing=False))

    # -- strings ----------------------------------------------------------------------

    def visit_Annotation(self, node: cst.Annotation) -> None:
        self._annotation_depth += 1

    def leave_Annotation(self, original_node: cst.Annotation, updated_node: cst.Annotation) -> Any:
        self._annotation_depth -= 1
        return updated_node

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> Any:
        node = updated_node
        if self._annotation_depth and not self._literal_subscripts:
            node = self._string_annotation(node)
        value = _STRING_WORDS_RE.sub(lambda m: map_name(m.group(1)) or m.group(1), node.value)
        if not self._annotation_depth:
            value = rewrite_prose(value)
        return node.with_changes(value=value) if value != node.value else node

    def leave_FormattedStringText(
        self, original_node: cst.FormattedStringText, updated_node: cst.FormattedStringText
    ) -> Any:
        value = _STRING_WORDS_RE.sub(
            lambda m: map_name(m.group(1)) or m.group(1), updated_node.value
        )
        return updated_node.with_changes(value=rewrite_prose(value))

    def leave_Comment(self, original_node: cst.Comment, updated_node: cst.Comment) -> Any:
        """Comments are read by sync users too: the same prose rules as strings."""
        value = rewrite_prose(updated_node.value)
        return (
            updated_node.with_changes(value=value) if value != updated_node.value else updated_node
        )

    def _string_annotation(self, node: cst.SimpleString) -> cst.SimpleString:
        """Transform ``"AsyncIterator[Book]"`` as the expression it holds."""
        content = node.raw_value
        if node.prefix or "\\" in content or node.quote not in ('"', "'"):
            return node
        try:
            expression = cst.parse_expression(content, config=PARSER_CONFIG)
        except cst.ParserSyntaxError:
            return node
        transformed = self.visit_detached(expression)
        for message in leftovers_in(transformed):
            self.error(message + " (in a string annotation)")
        new_content = code_of(transformed)
        if new_content == content:
            return node
        return node.with_changes(value=f"{node.quote}{new_content}{node.quote}")

    # -- imports ----------------------------------------------------------------------

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        aliases = []
        for alias in updated_node.names:
            name = alias_name(alias)
            binding, new_name = plan_import(name, alias_asname(alias))
            if new_name != name:
                alias = alias.with_changes(name=build_dotted(new_name))
                self.renamed_locals[binding.new_local] = binding.local
            aliases.append(alias)
        return updated_node.with_changes(names=aliases)

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> Any:
        if isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        module = dotted(updated_node.module) if updated_node.module else None
        level = len(updated_node.relative)
        groups: dict[tuple[int, str | None], list[cst.ImportAlias]] = {}
        changed = False
        for alias in updated_node.names:
            name, asname = alias_name(alias), alias_asname(alias)
            plan = plan_from_import(self.ctx.package, level, module, name, asname)
            if (plan.level, plan.module, plan.name) != (level, module, name):
                changed = True
                alias = alias.with_changes(name=cst.Name(plan.name))
                self.renamed_locals[plan.binding.new_local] = plan.binding.local
            group = groups.setdefault((plan.level, plan.module), [])
            if (plan.name, asname) not in {(alias_name(a), alias_asname(a)) for a in group}:
                group.append(alias)
        if not changed:
            return updated_node
        statements = [
            _import_from(updated_node, level_, module_, aliases)
            for (level_, module_), aliases in groups.items()
        ]
        return statements[0] if len(statements) == 1 else cst.FlattenSentinel(statements)


def _import_from(
    template: cst.ImportFrom, level: int, module: str | None, aliases: list[cst.ImportAlias]
) -> cst.ImportFrom:
    """A from-import like ``template`` (same parentheses) for another module/name list."""
    trailing = (
        has_trailing_comma(template.names)
        if not isinstance(template.names, cst.ImportStar)
        else False
    )
    return template.with_changes(
        relative=[cst.Dot()] * level,
        module=build_dotted(module) if module else None,
        names=repunctuate(aliases, trailing and template.lpar is not None),
    )


# --------------------------------------------------------------------------------------
# Pass 3: imports


class _UsedNames(cst.CSTVisitor):
    """Names a module references (imports, attribute and keyword names excluded).

    Names inside string annotations count: they are references for type checkers.
    """

    def __init__(self) -> None:
        self.used: set[str] = set()
        self._skip: set[int] = set()
        self._annotation_depth = 0

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._skip.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._skip.add(id(node.keyword))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self._skip:
            self.used.add(node.value)

    def visit_Annotation(self, node: cst.Annotation) -> None:
        self._annotation_depth += 1

    def leave_Annotation(self, original_node: cst.Annotation) -> None:
        self._annotation_depth -= 1

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if not self._annotation_depth or node.prefix:
            return
        try:
            expression = cst.parse_expression(node.raw_value, config=PARSER_CONFIG)
        except cst.ParserSyntaxError:
            return
        expression.visit(self)


def used_names(module: cst.Module) -> set[str]:
    visitor = _UsedNames()
    module.visit(visitor)
    return visitor.used


def _async_only_module(qualified: str) -> bool:
    """An import the sync package can never use (dropped when nothing references it)."""
    return any(
        part in N.LEFTOVER_NAMES or _LEFTOVER_RE.search(part) for part in qualified.split(".")
    )


class ImportCleanupPass(TrackingTransformer):
    """Drop the imports the transformation orphaned; add the ones it needs.

    An import is dropped when nothing references its name any more and either something
    did before (the reference was renamed or removed with an async branch) or it imports
    something async-only. An import nothing referenced in the source is left alone: it may
    be a re-export or an import for its side effects.
    """

    def __init__(
        self,
        ctx: Context,
        previous: Origins,
        source: cst.Module,
        *,
        used_before: set[str],
        used_after: set[str],
        renamed_locals: dict[str, str],
        required: set[str],
    ) -> None:
        super().__init__(ctx, previous, source)
        self.used_before = used_before
        self.used_after = used_after
        self.renamed_locals = renamed_locals
        self.required = required

    def on_visit(self, node: cst.CSTNode) -> bool:
        """Only statements can hold imports: expressions and other lines are not entered."""
        descend = super().on_visit(node)
        if isinstance(node, cst.SimpleStatementLine):
            return descend and any(isinstance(s, (cst.Import, cst.ImportFrom)) for s in node.body)
        return descend and not isinstance(node, cst.BaseExpression)

    def _orphaned(self, local: str, qualified: str) -> bool:
        if local in self.used_after:
            return False
        if self.renamed_locals.get(local, local) in self.used_before:
            return True
        return _async_only_module(qualified)

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> Any:
        kept = []
        for alias in updated_node.names:
            name = alias_name(alias)
            binding, _ = plan_import(name, alias_asname(alias))
            if not self._orphaned(binding.local, name):
                kept.append(alias)
        return self._with_aliases(updated_node, kept)

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> Any:
        if isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        module = dotted(updated_node.module) if updated_node.module else ""
        if module == "__future__":
            return updated_node
        prefix = "." * len(updated_node.relative) + (module or "")
        kept = [
            alias
            for alias in updated_node.names
            if not self._orphaned(
                alias_asname(alias) or alias_name(alias),
                f"{prefix}.{alias_name(alias)}",
            )
        ]
        return self._with_aliases(updated_node, kept)

    @staticmethod
    def _with_aliases(node: Any, kept: list[cst.ImportAlias]) -> Any:
        if not kept:
            return cst.RemoveFromParent()
        if len(kept) == len(node.names):
            return node
        trailing = has_trailing_comma(node.names) and getattr(node, "lpar", None) is not None
        return node.with_changes(names=repunctuate(kept, trailing))

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        present = {
            dotted(alias.name)
            for statement in updated_node.body
            if isinstance(statement, cst.SimpleStatementLine)
            for small in statement.body
            if isinstance(small, cst.Import)
            for alias in small.names
            if alias.asname is None
        }
        missing = sorted(self.required - present)
        if not missing:
            return updated_node
        new = [
            cst.SimpleStatementLine([cst.Import([cst.ImportAlias(build_dotted(m))])])
            for m in missing
        ]
        body = list(updated_node.body)
        at = _import_insertion_index(body)
        return updated_node.with_changes(body=[*body[:at], *new, *body[at:]])


def _import_insertion_index(body: list[cst.BaseStatement]) -> int:
    """After the module docstring and the leading run of imports."""
    index = 0
    for position, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        small = statement.body
        is_docstring = (
            position == 0
            and len(small) == 1
            and isinstance(small[0], cst.Expr)
            and isinstance(small[0].value, (cst.SimpleString, cst.ConcatenatedString))
        )
        if is_docstring or all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in small):
            index = position + 1
        else:
            break
    return index


# --------------------------------------------------------------------------------------
# The strict check


def leftover_message(name: str) -> str | None:
    """Why an identifier may not appear in the sync output (None: it may)."""
    if name in N.LEFTOVER_NAMES:
        return f"`{name}` left in the sync output: {N.LEFTOVER_NAMES[name]}"
    if _LEFTOVER_RE.search(name):
        return (
            f"`{name}` has no sync mapping (add it to codegen/names.py, "
            "or keep it behind IS_ASYNC / @async_only)"
        )
    return None


class _LeftoverFinder(cst.CSTVisitor):
    """Collects (source node, message) of async constructs left in a tree."""

    def __init__(self, origins: Origins, source: cst.CSTNode) -> None:
        self.origins = origins
        self._stack: list[cst.CSTNode] = [source]
        self.found: list[tuple[cst.CSTNode, str]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        origin = self.origins.get(node) or self._stack[-1]
        self._stack.append(origin)
        message = None
        if isinstance(node, cst.Name):
            message = leftover_message(node.value)
        elif isinstance(node, cst.Await):
            message = "`await` left in the sync output"
        elif isinstance(node, cst.Asynchronous):
            message = "`async` left in the sync output"
        elif isinstance(node, (cst.SimpleString, cst.FormattedStringText, cst.Comment)):
            found = _STRING_LEFTOVER_RE.search(node.value)
            if found:
                where = "a comment" if isinstance(node, cst.Comment) else "a string"
                message = (
                    f"async wording {found.group(0).strip()!r} left in {where} of the sync "
                    "output: rephrase it, or add a PROSE rule in codegen/names.py"
                )
        if message:
            self.found.append((origin, message))
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self._stack.pop()


def leftovers_in(node: cst.CSTNode) -> list[str]:
    finder = _LeftoverFinder(Origins(), node)
    node.visit(finder)
    return [message for _, message in finder.found]


def check_leftovers(module: cst.Module, origins: Origins, ctx: Context) -> None:
    finder = _LeftoverFinder(origins, module)
    module.visit(finder)
    for origin, message in finder.found:
        ctx.report(origin, message)


# --------------------------------------------------------------------------------------
# Entry point


def parse(source: str, path: str) -> cst.Module:
    try:
        return cst.parse_module(source, config=PARSER_CONFIG)
    except cst.ParserSyntaxError as exc:
        raise CodegenError([Problem(path, exc.raw_line, f"syntax error: {exc.message}")]) from exc


def transform_module(source: str, *, path: str, module: str, package: str) -> str:
    """The sync twin of one async module (unformatted, without header).

    Raises ``CodegenError`` listing every problem found in the file.
    """
    ctx = Context(path=path, module=module, package=package)
    original = parse(source, path)
    used_before = used_names(original)
    scope = collect_scope(original, ctx)

    marked, origins = original, Origins.IDENTITY
    if any(marker.rsplit(".", 1)[1] in source for marker in (N.IS_ASYNC, N.ASYNC_ONLY)):
        markers = MarkerPass(ctx, scope, original)
        marked, origins = original.visit(markers), markers.origins
        scope = collect_scope(marked, ctx)

    sync = SyncPass(ctx, scope, origins, original)
    synced = marked.visit(sync)

    cleanup = ImportCleanupPass(
        ctx,
        sync.origins,
        original,
        used_before=used_before,
        used_after=used_names(synced),
        renamed_locals=sync.renamed_locals,
        required=sync.required,
    )
    final = synced.visit(cleanup)
    check_leftovers(final, cleanup.origins, ctx)
    if ctx.reported:
        raise CodegenError(ctx.problems(original))
    return final.code
