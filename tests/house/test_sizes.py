"""The house stays small-roomed: no product module over 400 lines, no function over 60 lines.

A longer one is allowed only where a comment in the lines just above its `def` (or the module's first
lines) starts with "# Long:" and says why; the check reads the code as text, it runs nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent
PACKAGES = ("bot", "handlers", "knowledge_base")
MODULE_LINES = 400
FUNCTION_LINES = 60
REASON = "# Long:"


def product_modules() -> list[Path]:
    return sorted(
        path for package in PACKAGES for path in (REPO / package).rglob("*.py") if "migrations" not in path.parts
    )


def _excused(lines: list[str], line_number: int) -> bool:
    """A "# Long:" comment in the few lines above (decorators and comments included)."""
    above = lines[max(0, line_number - 6) : line_number - 1]
    return any(line.strip().startswith(REASON) for line in above)


def oversized(path: Path, root: Path = REPO) -> list[str]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    found: list[str] = []
    where = path.relative_to(root)
    if len(lines) > MODULE_LINES and not any(line.startswith(REASON) for line in lines[:15]):
        found.append(f"{where}: {len(lines)} lines")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > FUNCTION_LINES and not _excused(lines, first):
                found.append(f"{where}:{node.lineno} {node.name}: {length} lines")
    return found


def test_no_product_module_or_function_is_oversized() -> None:
    found = [problem for path in product_modules() for problem in oversized(path)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("source", "problems"),
    [
        ("def f():\n" + "    x = 1\n" * 60, 1),
        ("def f():\n" + "    x = 1\n" * 59, 0),
        ("# Long: a table of cases reads best in one piece\ndef f():\n" + "    x = 1\n" * 80, 0),
        ("\n" * 401, 1),
    ],
)
def test_the_size_check_sees_what_it_should(tmp_path: Path, source: str, problems: int) -> None:
    module = tmp_path / "probe.py"
    module.write_text(source, encoding="utf-8")
    assert len(oversized(module, tmp_path)) == problems
