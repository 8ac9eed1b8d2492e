"""README.md holds the two set-up commands, and CI runs exactly the README's test command."""

from __future__ import annotations

import re

from kvalitetsvisaren.paths import ROOT


def shell_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", text, re.S)]


def test_readme_has_the_run_and_test_commands_and_ci_runs_the_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = shell_blocks(readme.split("## Set-up", 1)[1].split("\n## ", 1)[0])
    assert len(setup) == 2
    run, test = setup
    assert run.endswith("python app.py") and "pip install -e ." in run
    assert test.endswith("python -m pytest") and '".[test]"' in test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines()
