"""Answer cells that are the reference implementation pasted in.

A learner's function or class counts as a copy when its syntax tree, with
docstrings, decorators and type annotations left out, is the reference's own
and its body is big enough (:data:`MIN_NODES` syntax nodes) that writing it
independently, name for name, is implausible. Short textbook formulas are
never flagged: the course's own solution notebooks, written apart from the
reference, match it exactly in functions of up to 32 nodes
(``tests/test_sandbox.py`` keeps them unflagged).
"""
from __future__ import annotations

import ast
import inspect
import sys
from functools import lru_cache

from .._registry import REFERENCE

__all__ = ["MIN_NODES", "copies_of_reference"]

MIN_NODES = 40
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _normalized(node: ast.AST) -> tuple[tuple, int]:
    """The tree of a def or class without docstrings, decorators and annotations, as nested tuples (node
    type, then its fields), and its body's size in syntax nodes."""
    nodes, shape, body_size = [0], [type(node).__name__], 0
    for name, value in _fields(node):
        before = nodes[0]
        shape.append(_shape(value, nodes))
        if name == "body":
            body_size = nodes[0] - before
    return tuple(shape), body_size


def _fields(node) -> list[tuple[str, object]]:
    """``node``'s fields as normalization keeps them: no decorators, return or argument annotations, and
    no docstring (a def or class whose body is only one keeps ``pass``)."""
    kept = []
    for name, value in ast.iter_fields(node):
        if name == "decorator_list" and isinstance(node, _DEFS) or name == "returns" and isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef)) or name == "annotation" and isinstance(node, ast.arg):
            continue
        if name == "body" and isinstance(node, _DEFS) and value and isinstance(value[0], ast.Expr) \
                and isinstance(value[0].value, ast.Constant) and isinstance(value[0].value.value, str):
            value = value[1:] or [ast.Pass()]
        kept.append((name, value))
    return kept


def _shape(node, nodes: list[int]) -> object:
    """``node`` (a syntax node, a list of them, or a field's value) normalized; counts the nodes in ``nodes``."""
    if isinstance(node, list):
        return tuple(_shape(item, nodes) for item in node)
    if not isinstance(node, ast.AST):
        return node
    nodes[0] += 1
    return (type(node).__name__, *(_shape(value, nodes) for _, value in _fields(node)))


@lru_cache(maxsize=None)
def _reference_trees() -> dict[str, str]:
    trees: dict[str, str] = {}
    for name, obj in REFERENCE.items():
        module = sys.modules.get(getattr(obj, "__module__", ""))
        if module is None:
            continue
        for node in ast.parse(inspect.getsource(module)).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
                text, size = _normalized(node)
                if size >= MIN_NODES:
                    trees[name] = text
    return trees


def copies_of_reference(sources: list[str]) -> set[str]:
    """Names of graded functions and classes that ``sources`` (answer cells) define as copies of the reference."""
    found = set()
    trees = _reference_trees()
    for source in sources:
        try:
            body = ast.parse(source).body
        except SyntaxError:
            continue
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in trees \
                    and _normalized(node)[0] == trees[node.name]:
                found.add(node.name)
    return found
