"""index.html is self-contained and every plot in it loads in a real browser."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sweep_plugin.report import write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHECK_SCRIPT = """<script>
window.addEventListener("load", () => {
  const out = document.createElement("pre");
  out.id = "img-check";
  out.textContent = JSON.stringify(Array.from(document.images, (i) => [i.alt, i.complete, i.naturalWidth]));
  document.body.appendChild(out);
});
</script>"""


def _records() -> list[dict[str, Any]]:
    """A 2 x 3 grid with two repeats, histories, a failure and an error."""
    records = []
    for lr in (0.001, 0.01):
        for act in ("relu", "tanh", "gelu"):
            for seed in (0, 1):
                acc = 0.6 + 20 * lr + 0.05 * (act == "gelu") + 0.01 * seed
                trial = f"lr:{lr}-act:{act}-seed:{seed}"
                outcome = "failed" if acc < 0.65 else "passed"
                records.append(
                    {
                        "sweep": 'grid <&> "quoted"',
                        "file": "sweep_grid.yaml",
                        "trial": trial,
                        "nodeid": f"sweep_grid.yaml::grid[{trial}]",
                        "outcome": outcome,
                        "duration_s": 0.1,
                        "params": {"lr": lr, "act": act, "seed": seed},
                        "metrics": {"acc": acc},
                        "history": [{"step": s, "acc": acc * (s + 1) / 5, "loss": 1 / (s + 1)} for s in range(5)],
                        "message": "acc >= 0.65: acc = 0.61" if outcome == "failed" else "",
                        "metric": {"name": "acc", "goal": "maximize"},
                        "scales": {"lr": "log", "act": "categorical", "seed": "linear"},
                    }
                )
    records[-1].update(
        outcome="error", metrics={}, message="Traceback (most recent call last):\n<script>alert(1)</script>"
    )
    return records


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html")
    write_report(_records(), out)
    return out / "index.html"


def test_page_is_self_contained_and_escaped(index: Path) -> None:
    page = index.read_text()
    assert "<script" not in page and "<link" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert page.count('src="data:image/png;base64,') >= 6
    assert "grid &lt;&amp;&gt; &quot;quoted&quot;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    for part in ("Best trial", "Top 10 by acc", "5 trials did not pass", "tipping point", "acc &gt;= 0.65"):
        assert part in page


def test_the_failures_come_first(index: Path) -> None:
    """Issue 18, point 3: the trials that did not pass, with their messages, before the overview and any plot."""
    page = index.read_text()
    failures = page.index('<h2 id="failures">Failures</h2>')
    assert failures < page.index("<th>sweep</th><th>file</th>") < page.index('src="data:image/png')
    assert page.index("acc &gt;= 0.65", failures) < page.index('src="data:image/png')  # the missed expect


@pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (apt-get install chromium)")
def test_every_image_loads_in_headless_chromium(index: Path, tmp_path: Path) -> None:
    check = index.with_name("check.html")
    check.write_text(index.read_text().replace("</body>", CHECK_SCRIPT + "</body>"))
    args = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
        "--run-all-compositor-stages-before-draw", "--virtual-time-budget=5000", "--dump-dom", check.as_uri(),
    ]  # fmt: skip
    result = subprocess.run(args, capture_output=True, text=True, timeout=60)
    match = re.search(r'<pre id="img-check">(.*?)</pre>', result.stdout, re.S)
    assert match, f"no result in the DOM; chromium said:\n{result.stderr[-2000:]}"
    images = json.loads(html.unescape(match.group(1)))
    assert len(images) >= 6
    broken = [alt for alt, complete, width in images if not (complete and width > 0)]
    assert broken == []
