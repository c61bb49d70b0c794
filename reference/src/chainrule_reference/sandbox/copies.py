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


def _normalized(node: ast.AST) -> tuple[str, int]:
    """The tree of a def or class as text (no docstrings, decorators, annotations), and its body's size."""
    node = ast.parse(ast.unparse(node)).body[0]  # a fresh copy
    for sub in ast.walk(node):
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            sub.decorator_list = []
            body = sub.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                sub.body = body[1:] or [ast.Pass()]
            if not isinstance(sub, ast.ClassDef):
                sub.returns = None
        if isinstance(sub, ast.arg):
            sub.annotation = None
    return ast.dump(node, annotate_fields=False), sum(1 for part in node.body for _ in ast.walk(part))


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
