"""The code keeps its shape: no module over 500 lines, no function over 80 lines without a reason
(``scripts/code_shape.py``; issue 14)."""

from __future__ import annotations

from pathlib import Path


def test_no_module_or_function_over_its_limit(script) -> None:
    assert script("code_shape").problems() == []


def test_the_check_finds_a_long_function(script, tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(90))
    (tmp_path / "long.py").write_text(f"def long():\n{body}\n\n\ndef short():\n    return 1\n")
    (tmp_path / "reasoned.py").write_text(f'def reasoned():\n    """Do it.\n\n    Long because a table.\n    """\n{body}\n')
    assert script("code_shape").problems(tmp_path) == [f"{tmp_path.name}/long.py: long() 91 lines (limit 80)"]


def test_the_check_finds_a_long_module(script, tmp_path: Path) -> None:
    (tmp_path / "big.py").write_text("x = 1\n" * 501)
    assert [p.split(": ", 1)[1] for p in script("code_shape").problems(tmp_path)] == ["501 lines (limit 500)"]
