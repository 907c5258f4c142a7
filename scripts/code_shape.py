"""Report modules over 500 lines and functions over 80 lines in ``src/mobisim``.

A function may be longer when its docstring says why, in a paragraph starting ``Long because``.
Exit status 1 when anything is over its limit; ``tests/test_code_shape.py`` runs the same check.

Usage: ``python scripts/code_shape.py [--all]`` (``--all`` lists every module and its longest function).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MODULE_LINES = 500
FUNCTION_LINES = 80
REASON = "Long because"
SOURCE = Path(__file__).resolve().parent.parent / "src" / "mobisim"


def module_lines(path: Path) -> int:
    """Number of lines in a module."""
    return len(path.read_text(encoding="utf-8").splitlines())


def long_functions(path: Path, limit: int = FUNCTION_LINES) -> list[tuple[str, int]]:
    """Functions (and methods) of a module longer than ``limit`` lines without a stated reason."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            doc = ast.get_docstring(node) or ""
            if length > limit and REASON not in doc:
                found.append((node.name, length))
    return found


def problems(root: Path = SOURCE) -> list[str]:
    """Every module and function over its limit, as one line each."""
    out = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent)
        n = module_lines(path)
        if n > MODULE_LINES:
            out.append(f"{rel}: {n} lines (limit {MODULE_LINES})")
        out += [f"{rel}: {name}() {length} lines (limit {FUNCTION_LINES})" for name, length in long_functions(path)]
    return out


def main(argv: list[str]) -> int:
    found = problems()
    if "--all" in argv:
        for path in sorted(SOURCE.rglob("*.py")):
            print(f"{module_lines(path):5d}  {path.relative_to(SOURCE.parent)}")
    for line in found:
        print(line)
    print(f"{len(found)} over the limit")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
