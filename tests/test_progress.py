"""Progress of a run's steps: a step that knows its size shows items done and percent."""

from __future__ import annotations

from mobisim.pipeline.progress import Steps


def test_a_step_shows_items_done_and_percent() -> None:
    seen = []
    with Steps(enabled=True) as steps:
        with steps.step("scores", "Scores") as tick:
            for done in range(1, 5):
                tick(done, 4)
                task = steps._progress.tasks[-1]
                seen.append((task.completed, task.total, task.description))
        finished = steps._progress.tasks[-1]
    assert seen[1] == (2, 4, "Scores [dim](2/4, 50 %)[/]")
    assert finished.completed == finished.total == 4
    assert "scores" in steps.timings and steps.timings["scores"] >= 0


def test_a_step_without_a_size_completes_as_one() -> None:
    with Steps(enabled=True) as steps:
        with steps.step("load", "Loading"):
            pass
        task = steps._progress.tasks[-1]
    assert task.completed == task.total == 1


def test_ticks_are_harmless_without_a_display() -> None:
    with Steps(enabled=False) as steps:
        with steps.step("scores", "Scores") as tick:
            tick(3, 7)
    assert list(steps.timings) == ["scores"]
