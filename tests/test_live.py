"""Against the real api.kolada.se: deselected by default, run with `python -m pytest -m live`."""

from __future__ import annotations

import math

import pytest

from kvalitetsvisaren.kolada import KoladaClient

pytestmark = pytest.mark.live


def test_live_kolada_answers_in_the_shape_we_expect(tmp_path):
    with KoladaClient(cache_dir=tmp_path) as c:
        municipalities = c.get_municipalities()
        assert (municipalities["type"] == "K").sum() == 290
        values = c.get_values(["U21468"], ["0883"], [2022])
        total = values[values["gender"] == "T"]["value"]
        assert len(total) == 1 and not math.isnan(total.iloc[0])
        kpis = c.get_kpis(["U21468"])
        assert kpis.loc[0, "title"].startswith("Brukarbedömning hemtjänst")
