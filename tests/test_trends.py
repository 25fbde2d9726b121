"""Trends across nights: kept nightly summaries, a step change found, and the report's trends section."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from sweep_plugin.cli import main

MODEL = """
def train(config, trial):
    return {"acc": 0.9 - abs(config["lr"] - 0.1)}
"""


def keep_nights(folder: Path, nights: int = 12, step_at: int = 7) -> None:
    """Nightly summaries of sweep ``t`` (lr 0.1 and 0.3, two seeds): lr 0.1 drops by 0.05 from night ``step_at``."""
    rng = np.random.default_rng(1)
    folder.mkdir()
    for night in range(nights):
        rows = []
        for lr, level in ((0.1, 0.9), (0.3, 0.7)):
            for seed in range(2):
                drop = 0.05 if lr == 0.1 and night >= step_at else 0.0
                acc = level - drop + rng.normal(0, 0.004)
                rows.append(
                    {
                        "sweep": "t",
                        "trial": f"lr:{lr}-seed:{seed}",
                        "outcome": "passed",
                        "params.lr": lr,
                        "params.seed": seed,
                        "metrics.acc": acc,
                    }
                )
        path = folder / f"2026-11-{night + 1:02d}-abc{night:04d}.csv"
        with path.open("w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(model=MODEL)
    pytester.makefile(
        ".yaml",
        sweep_t="experiment: model:train\nparameters:\n  lr: [0.1, 0.3]\nrepeat: 2\n"
        "metric: {name: acc, goal: maximize}\ngate: [mean(acc) >= 0.6, std(acc) <= 0.1, 0.95 >= max(acc)]\n",
    )
    keep_nights(pytester.path / "history")
    return pytester


def test_the_report_command_draws_the_trends_and_finds_the_step(project: pytest.Pytester) -> None:
    project.runpytest().assert_outcomes(passed=6)
    out = project.path / "rebuilt"
    report = str(project.path / "reports" / "report.json")
    assert main(["report", report, "--out", str(out), "--history", str(project.path / "history")]) == 0
    with (out / "trends.csv").open() as file:
        rows = list(csv.DictReader(file))
    nights = [row for row in rows if row["kind"] == "night"]
    assert len(nights) == 12 and nights[0]["commit"] == "abc0000"
    (step,) = [row for row in rows if row["kind"] == "step"]
    assert (step["configuration"], step["night"], step["direction"]) == ("lr:0.1", "2026-11-08", "worse")
    assert float(step["change"]) == pytest.approx(-0.05, abs=0.01)
    assert (out / "trend_t.png").read_bytes().startswith(b"\x89PNG")
    page = (out / "index.html").read_text()
    assert '<h2 id="trends">Trends</h2>' in page and "12 nights, 1 step change" in page


def test_a_session_with_sweep_history_adds_the_trends(project: pytest.Pytester) -> None:
    project.runpytest("--sweep-history", "history").assert_outcomes(passed=6)
    assert (project.path / "reports" / "trends.csv").exists()
    assert "Trends" in (project.path / "reports" / "index.html").read_text()


def test_odd_files_in_the_history_are_left_out(project: pytest.Pytester) -> None:
    history = project.path / "history"
    (history / "2026-11-20-deadbeef.csv").write_text("")
    (history / "2026-11-21.csv").write_bytes(b"\xff\xfe not a csv")
    (history / "notes.csv").write_text("sweep,trial\n")
    (history / "2026-11-22.csv").write_text("sweep,trial,outcome,metrics.acc\nt,1,passed,0.5\n")  # a numeric id
    project.runpytest("--sweep-history", "history").assert_outcomes(passed=6)
    with (project.path / "reports" / "trends.csv").open() as file:
        nights = [row["night"] for row in csv.DictReader(file) if row["kind"] == "night"]
    assert nights[-1] == "2026-11-22" and "2026-11-20" not in nights
