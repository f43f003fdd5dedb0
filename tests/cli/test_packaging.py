"""The wheel installs one package, `flowscan`, with its grammar and rule packs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_carries_grammar_and_rules_and_no_generic_top_level(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True, timeout=600,
    )
    [wheel] = tmp_path.glob("flowscan-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names if not name.startswith("flowscan-")}
    assert top_level == {"flowscan"}
    assert "flowscan/grammar/flowscan.lark" in names
    shipped = {name for name in names if name.endswith(".fsr")}
    on_disk = {"flowscan/rules/" + str(p.relative_to(ROOT / "rules")) for p in (ROOT / "rules").rglob("*.fsr")}
    assert shipped == on_disk and len(on_disk) >= 10
    assert "flowscan/cli.py" in names and "flowscan/languages/go.py" in names
