"""Issue 17, "Export polish": what a communications officer saw in the exported files on main.

Expected values come from the service's rows or the raw snapshot, never from the code under
test. Rendering (kaleido) is marked slow.
"""

from __future__ import annotations

import pytest

from kvalitetsvisaren.cli import main

STOCKHOLM, GOTEBORG, BJURHOLM, VASTERVIK = "0180", "1480", "2403", "0883"
ENGLISH = ("usage:", "options:", "show this help", "municipality code", "error:", "required")


def test_export_help_is_swedish(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["export", "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("användning: kvalitetsvisaren export")
    for swedish in (
        "flaggor:",
        "kommunkod, t.ex. 0883",
        "visa den här hjälptexten",
        "ny eller tom mapp",
    ):
        assert swedish in text, swedish
    for english in ENGLISH:
        assert english not in text, english


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export"], "de här argumenten krävs: --kommun, --out"),
        (["export", "--kommun", VASTERVIK, "--out", "x", "--ar", "sist"], "ska vara ett heltal"),
        (["export", "--kommun", VASTERVIK, "--out", "x", "--ar"], "--ar behöver ett värde"),
        (["export", "--kommun", VASTERVIK, "--out", "x", "--farg"], "okända argument: --farg"),
    ],
)
def test_export_argument_errors_are_swedish(capsys, args, message):
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "fel:" in err
    for english in ENGLISH:
        assert english not in err, english
