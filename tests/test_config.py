"""config/indicators.yaml and its loader (config/loader.py). File-based: each variant is
written to tmp_path and read back with load_config."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pydantic
import pytest
import yaml

from kvalitetsvisaren.config.loader import load_config
from kvalitetsvisaren.config.models import AppConfig, ConfigError

FIXTURES = Path(__file__).parent / "fixtures"

SEED_MEASURES = {
    "hemtjanst": {
        "bemotande",
        "trygghet",
        "delaktighet",
        "utforande",
        "kontakt",
        "helhetssyn",
        "kontinuitet",
    },
    "sarskilt-boende": {
        "bemotande",
        "trygghet",
        "delaktighet",
        "utforande",
        "kontakt",
        "helhetssyn",
        "mat",
        "aktiviteter",
    },
    "grundskola": {"meritvarde", "alla-amnen", "behorighet", "trygghet", "nojdhet"},
}


def minimal() -> dict[str, Any]:
    """A small valid configuration; each rejection test breaks one thing in it."""
    return {
        "version": 1,
        "default_municipality": "0883",
        "kpis": [
            {"id": "U21468", "label": "Nöjd", "unit": "%", "higher_is_better": True},
            {"id": "U21401", "label": "Antal personal", "unit": "antal", "higher_is_better": False},
            {
                "id": "N21006",
                "label": "Kostnad per brukare",
                "unit": "kr",
                "higher_is_better": None,
            },
        ],
        "areas": [
            {
                "id": "hemtjanst",
                "label": "Hemtjänst",
                "ou_prefix": "V21",
                "unit_noun": "utförare",
                "peer_group_area": "äldreomsorg",
                "measures": [
                    {
                        "id": "helhetssyn",
                        "label": "Helhetssyn",
                        "kind": "quality",
                        "kpis": ["U21468"],
                    },
                    {
                        "id": "kontinuitet",
                        "label": "Kontinuitet",
                        "kind": "quality",
                        "kpis": ["U21401"],
                    },
                    {"id": "kostnad", "label": "Kostnad", "kind": "context", "kpis": ["N21006"]},
                ],
            }
        ],
    }


def write(tmp_path: Path, data: Any, name: str = "indicators.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def config_error(path: Path) -> ConfigError:
    """load_config must fail with one ConfigError whose every line starts with the file path."""
    with pytest.raises(ConfigError) as info:
        load_config(path)
    for line in str(info.value).splitlines():
        assert line.startswith(f"{path}: "), line
    return info.value


def error_for(tmp_path: Path, mutate: Callable[[dict[str, Any]], object]) -> str:
    data = minimal()
    mutate(data)
    return str(config_error(write(tmp_path, data)))


@pytest.fixture(scope="module")
def real(config_path: Path) -> AppConfig:
    return load_config(config_path)


# --- the real configuration ----------------------------------------------------------------


def test_real_config_has_the_five_areas(real: AppConfig) -> None:
    assert real.default_municipality == "0883"
    got = {a.id: (a.ou_prefix, a.peer_group_area, a.unit_noun) for a in real.areas}
    assert got == {
        "hemtjanst": ("V21", "äldreomsorg", "utförare"),
        "sarskilt-boende": ("V23", "äldreomsorg", "äldreboende"),
        "forskola": ("V11", "förskola", "förskola"),
        "grundskola": ("V15", "grundskola", "skola"),
        "gymnasieskola": ("V17", "gymnasieskola", "gymnasieskola"),
    }
    # the school areas in the order of the school path
    assert [a.id for a in real.areas][2:] == ["forskola", "grundskola", "gymnasieskola"]


@pytest.mark.parametrize("area_id", sorted(SEED_MEASURES))
def test_real_config_has_the_seed_measures(real: AppConfig, area_id: str) -> None:
    area = real.area(area_id)
    quality = {m.id for m in area.measures if m.kind == "quality"}
    assert SEED_MEASURES[area_id] <= quality
    context = [m for m in area.measures if m.kind == "context"]
    assert {"arbetsmiljo", "kostnad"} <= {m.id for m in context}
    assert 12 <= len(area.kpi_ids()) <= 22


def test_real_config_kpi_directions(real: AppConfig) -> None:
    hib = real.higher_is_better()
    assert len(hib) == len(real.kpi_ids()) >= 35
    assert hib["U21468"] is True and hib["U23471"] is True and hib["N15436"] is True
    assert hib["U23401"] is False  # väntetid
    assert hib["U21401"] is False  # number of staff a brukare meets
    assert hib["N20205"] is False  # timavlönade
    for kpi in real.kpis:  # costs are context, never coloured
        if kpi.unit == "kr":
            assert kpi.higher_is_better is None, kpi.id


def test_real_config_every_area_has_unit_level_kpis(real: AppConfig) -> None:
    # The KPIs with real unit-level values in the 2025-11 OU cache (see the README table).
    assert {"N21495", "N21496"} <= set(real.ou_kpi_ids("hemtjanst"))
    assert {"N23390", "N23391", "N23588"} <= set(real.ou_kpi_ids("sarskilt-boende"))
    assert {"N15419", "N15436", "N15504"} <= set(real.ou_kpi_ids("grundskola"))
    assert "N21006" not in real.ou_kpi_ids()


def test_real_config_kpi_shared_by_two_areas_is_defined_once(real: AppConfig) -> None:
    assert real.kpi_ids().count("N20205") == 1
    used_by = {(a.id, m.id) for a in real.areas for m in a.measures if "N20205" in m.kpis}
    assert used_by == {("hemtjanst", "arbetsmiljo"), ("sarskilt-boende", "arbetsmiljo")}


def test_real_config_kpis_are_in_the_v3_kpi_list(real: AppConfig) -> None:
    # The fixture holds id, title and has_ou_data of the configured KPIs, copied from the real
    # Kolada v3 KPI list ../shared/kolada-real/rKolada_LCHansson/v3_2026-03-23/kpi_df.csv
    # (rKolada sysdata, 2026-03-23), so this test runs without ../shared.
    v3 = {}
    for line in (FIXTURES / "kpi_ids_v3_2026-03.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            kpi_id, title, has_ou_data = line.split("\t")
            v3[kpi_id] = (title, has_ou_data == "true")
    missing = [k for k in real.kpi_ids() if k not in v3]
    assert not missing, f"not in the v3 KPI list: {missing}"
    wrong_flag = [k.id for k in real.kpis if k.has_ou_data != v3[k.id][1]]
    assert not wrong_flag, f"has_ou_data differs from the v3 KPI list: {wrong_flag}"


# --- extending by YAML only ----------------------------------------------------------------


def test_new_area_needs_only_yaml(config_path: Path, tmp_path: Path) -> None:
    # An area the real config does not have yet (LSS bostad med särskild service, V25).
    data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    configured = [a["id"] for a in data["areas"]]
    assert "lss-bostad" not in configured
    data["kpis"].append(
        {
            "id": "N28140",
            "label": "Personal med adekvat utbildning",
            "unit": "%",
            "higher_is_better": True,
            "has_ou_data": True,
        }
    )
    data["areas"].append(
        {
            "id": "lss-bostad",
            "label": "LSS bostad med särskild service",
            "ou_prefix": "V25",
            "unit_noun": "bostad",
            "peer_group_area": "LSS",
            "measures": [
                {
                    "id": "utbildning",
                    "label": "Personalens utbildning",
                    "kind": "quality",
                    "kpis": ["N28140"],
                }
            ],
        }
    )
    cfg = load_config(write(tmp_path, data))
    assert [a.id for a in cfg.areas] == [*configured, "lss-bostad"]
    assert cfg.area("lss-bostad").ou_prefix == "V25"
    assert cfg.ou_kpi_ids("lss-bostad") == ("N28140",)
    assert cfg.higher_is_better()["N28140"] is True


def test_same_measure_id_and_kpi_in_two_areas_is_allowed(tmp_path: Path) -> None:
    data = minimal()
    second = copy.deepcopy(data["areas"][0])
    second.update(id="sarskilt-boende", ou_prefix="V23")
    data["areas"].append(second)
    cfg = load_config(write(tmp_path, data))
    using = [a.id for a in cfg.areas for m in a.measures if "U21468" in m.kpis]
    assert using == ["hemtjanst", "sarskilt-boende"]


# --- convenience methods -------------------------------------------------------------------


def test_lookups(tmp_path: Path) -> None:
    data = minimal()
    data["kpis"][0]["has_ou_data"] = True
    cfg = load_config(write(tmp_path, data))
    assert cfg.kpi_ids() == ("U21468", "U21401", "N21006")
    assert cfg.kpi("U21401").unit == "antal"
    assert cfg.higher_is_better() == {"U21468": True, "U21401": False, "N21006": None}
    assert cfg.ou_kpi_ids() == ("U21468",) == cfg.ou_kpi_ids("hemtjanst")
    assert cfg.area("hemtjanst").measure("kostnad").kpis == ("N21006",)
    with pytest.raises(KeyError, match="forskola"):
        cfg.area("forskola")
    with pytest.raises(KeyError, match="U99999"):
        cfg.kpi("U99999")


def test_models_are_frozen(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, minimal()))
    with pytest.raises(pydantic.ValidationError):
        cfg.kpis[0].higher_is_better = False  # type: ignore[misc]
    assert hash(cfg.area("hemtjanst"))  # frozen and hashable: safe to share and cache


def test_cross_checks_also_run_without_load_config() -> None:
    data = minimal()
    data["areas"][0]["measures"][0]["kpis"] = ["U99999"]
    with pytest.raises(pydantic.ValidationError, match="U99999"):
        AppConfig.model_validate(data)


@pytest.mark.slow
def test_import_has_no_side_effects() -> None:
    code = "import sys, kvalitetsvisaren.config.loader; assert 'dash' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- rejections ----------------------------------------------------------------------------


def _set(*path: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        node = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return mutate


M0 = ("areas", 0, "measures", 0)  # the 'helhetssyn' measure of minimal()

REJECTIONS = [
    pytest.param(
        _set(*M0, "kpis", value=["U2146X"]),
        "areas[0].measures[0].kpis[0]",
        r"KPI 'U2146X' does not match ^[NU]\d{5}$ (area 'hemtjanst', measure 'helhetssyn')",
        id="malformed-kpi-id",
    ),
    pytest.param(
        _set("kpis", 0, "id", value="U２１４６８"),  # full-width digits
        "kpis[0].id",
        "does not match",
        id="non-ascii-digits",
    ),
    pytest.param(
        _set("areas", 0, "id", value="Hemtjänst"),
        "areas[0].id",
        "area id 'Hemtjänst' does not match ^[a-z][a-z0-9-]*$",
        id="malformed-area-id",
    ),
    pytest.param(
        _set(*M0, "id", value="hel_hetssyn"),
        "areas[0].measures[0].id",
        "measure id 'hel_hetssyn' does not match",
        id="malformed-measure-id",
    ),
    pytest.param(
        _set("areas", 0, "ou_prefix", value="V2"),
        "areas[0].ou_prefix",
        r"OU prefix 'V2' does not match ^V\d{2}$",
        id="malformed-ou-prefix",
    ),
    pytest.param(
        _set("default_municipality", value="883"),
        "default_municipality",
        "municipality id '883' does not match",
        id="malformed-municipality",
    ),
    pytest.param(
        _set("areas", 0, "colour", value="red"),
        "areas[0].colour",
        "unknown key 'colour' (allowed: id, label, ou_prefix, unit_noun, peer_group_area, "
        "low_response, measures)",
        id="unknown-key",
    ),
    pytest.param(
        lambda d: d["kpis"].append(dict(d["kpis"][0], label="Igen")),
        "kpis[3].id",
        "KPI 'U21468' is defined twice (first at kpis[0])",
        id="duplicate-kpi-definition",
    ),
    pytest.param(
        lambda d: d["areas"].append(dict(d["areas"][0], ou_prefix="V23")),
        "areas[1].id",
        "area id 'hemtjanst' is used twice (first at areas[0])",
        id="duplicate-area",
    ),
    pytest.param(
        lambda d: d["areas"].append(dict(d["areas"][0], id="sarskilt-boende")),
        "areas[1].ou_prefix",
        "OU prefix 'V21' is already used by areas[0]",
        id="duplicate-ou-prefix",
    ),
    pytest.param(
        _set("areas", 0, "measures", 2, "id", value="helhetssyn"),
        "areas[0].measures[2].id",
        "measure id 'helhetssyn' is used twice in the area (first at areas[0].measures[0])",
        id="duplicate-measure",
    ),
    pytest.param(
        _set(*M0, "kpis", value=["U21468", "U99999"]),
        "areas[0].measures[0].kpis[1]",
        "KPI 'U99999' is not defined in the top-level kpis list (area 'hemtjanst', measure "
        "'helhetssyn')",
        id="undefined-kpi",
    ),
    pytest.param(
        _set(*M0, "kpis", value=["U21468", "U21468"]),
        "areas[0].measures[0].kpis[1]",
        "KPI 'U21468' is listed twice (first at kpis[0])",
        id="kpi-twice-in-measure",
    ),
    pytest.param(
        lambda d: d["kpis"].append(
            {"id": "U21466", "label": "Oanvänd", "unit": "%", "higher_is_better": True}
        ),
        "kpis[3]",
        "KPI 'U21466' is defined but no measure (or low_response) uses it",
        id="unused-kpi",
    ),
    pytest.param(
        _set(*M0, "kpis", value=[]), "areas[0].measures[0].kpis", "must not be empty", id="no-kpis"
    ),
    pytest.param(
        _set("areas", 0, "measures", value=[]),
        "areas[0].measures",
        "must not be empty (area 'hemtjanst')",
        id="no-measures",
    ),
    pytest.param(_set("areas", value=[]), "areas", "must not be empty", id="no-areas"),
    pytest.param(
        _set(*M0, "kpis", value=["N21006"]),
        "areas[0].measures[0].kpis",
        "a quality measure needs at least one KPI with higher_is_better true or false",
        id="quality-measure-without-direction",
    ),
    pytest.param(
        _set("kpis", 0, "higher_is_better", value="yes"),
        "kpis[0].higher_is_better",
        "expected true or false, got text 'yes' (or null for a context KPI) (KPI 'U21468')",
        id="direction-not-bool",
    ),
    pytest.param(
        lambda d: d["kpis"][0].pop("higher_is_better"),
        "kpis[0].higher_is_better",
        "required key is missing",
        id="direction-missing",
    ),
    pytest.param(
        _set("kpis", 0, "has_ou_data", value="true"),
        "kpis[0].has_ou_data",
        "expected true or false, got text 'true'",
        id="ou-flag-not-bool",
    ),
    pytest.param(
        _set(*M0, "kpis", value="U21468"),
        "areas[0].measures[0].kpis",
        "expected a list, got text 'U21468'",
        id="kpis-not-a-list",
    ),
    pytest.param(
        _set("kpis", 1, value="U21401"),
        "kpis[1]",
        "expected a mapping (key: value), got text 'U21401'",
        id="kpi-not-a-mapping",
    ),
    pytest.param(
        _set("areas", 0, "label", value=12),
        "areas[0].label",
        "expected text, got the number 12",
        id="label-not-text",
    ),
    pytest.param(
        _set("kpis", 2, "label", value="  "),
        "kpis[2].label",
        "must not be empty (KPI 'N21006')",
        id="blank-label",
    ),
    pytest.param(
        _set(*M0, "kind", value="kvalitet"),
        "areas[0].measures[0].kind",
        "Input should be 'quality' or 'context', got 'kvalitet'",
        id="unknown-kind",
    ),
    pytest.param(
        _set("version", value=2),
        "version",
        "version 2 is not supported; this app reads version 1",
        id="unsupported-version",
    ),
    pytest.param(
        _set("version", value=True),
        "version",
        "expected a whole number, got true",
        id="bool-version",
    ),
]


@pytest.mark.parametrize(("mutate", "field_path", "message"), REJECTIONS)
def test_rejection(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], object], field_path: str, message: str
) -> None:
    text = error_for(tmp_path, mutate)
    assert f"indicators.yaml: {field_path}: " in text
    assert message in text


def test_unquoted_municipality_code_is_caught(tmp_path: Path) -> None:
    # YAML 1.1 reads 0114 (Upplands Väsby) as the octal number 76; 0883 happens to stay text.
    path = write(tmp_path, minimal())
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("default_municipality: 0883", "default_municipality: 0114"))
    assert "default_municipality: expected text, got the number 76 (put it in quotes)" in str(
        config_error(path)
    )


def test_several_errors_become_one_config_error_with_a_line_each(tmp_path: Path) -> None:
    data = minimal()
    data["kpis"][0]["id"] = "U2146X"
    data["areas"][0]["measures"][1]["kind"] = "kvalitet"
    del data["areas"][0]["unit_noun"]
    error = config_error(write(tmp_path, data))
    assert [where for where, _ in error.problems] == [
        "kpis[0].id",
        "areas[0].unit_noun",
        "areas[0].measures[1].kind",
    ]
    assert len(str(error).splitlines()) == 3


def test_duplicate_yaml_key_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, minimal())
    text = path.read_text(encoding="utf-8")
    # Repeat the 'label' key inside the second measure (PyYAML alone would keep the last one).
    text = re.sub(r"( +)label: Kontinuitet\n", r"\g<0>\1label: Igen\n", text)
    path.write_text(text, encoding="utf-8")
    message = str(config_error(path))
    assert f"{path}: areas[0].measures[1].label: duplicate key 'label' on line " in message


def test_duplicate_top_level_key_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("version: 1\nversion: 1\n", encoding="utf-8")
    assert "dup.yaml: version: duplicate key 'version' on line 2 (first on line 1)" in str(
        config_error(path)
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "(top level): expected a mapping (key: value), got a list"),
        ("just text\n", "(top level): expected a mapping (key: value), got text 'just text'"),
        ("", "(top level): expected a mapping (key: value), got an empty file"),
        ("version: 1\nkpis: [a, b\n", "line 3, column 1: not valid YAML: while parsing a flow"),
        ("version: 1\n---\nversion: 1\n", "line 2, column 1: not valid YAML: expected a single"),
    ],
    ids=["list", "scalar", "empty", "syntax-error", "two-documents"],
)
def test_not_a_yaml_mapping(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    assert f"{path}: {message}" in str(config_error(path))


def test_missing_file(tmp_path: Path) -> None:
    assert "cannot read the file" in str(config_error(tmp_path / "nope.yaml"))


def test_low_response_kpi_must_be_defined_and_counts_as_used(tmp_path: Path, real) -> None:
    def point_to_undefined(data: dict[str, Any]) -> None:
        data["areas"][0]["low_response"] = {"kpi": "U99999", "at_least": 1}

    text = error_for(tmp_path, point_to_undefined)
    assert "areas[0].low_response.kpi: KPI 'U99999' is not defined" in text
    # the survey's respondent counts: "få svar" below 30, and a hidden count means below 30
    for area, kpi in (("hemtjanst", "U23592"), ("sarskilt-boende", "U23594")):
        rule = real.area(area).low_response
        assert (rule.kpi, rule.below, rule.hidden_when_below, rule.is_count) == (
            kpi,
            30,
            True,
            True,
        )
        assert kpi in real.kpi_ids()  # fetched by sync although no measure lists it
        assert not any(kpi in m.kpis for a in real.areas for m in a.measures)


def test_low_response_needs_exactly_one_limit(tmp_path: Path) -> None:
    def both(data: dict[str, Any]) -> None:
        data["kpis"].append(
            {"id": "N23590", "label": "Få", "unit": "ja/nej", "higher_is_better": None}
        )
        data["areas"][0]["low_response"] = {"kpi": "N23590", "below": 30, "at_least": 1}

    assert "exactly one of below and at_least" in error_for(tmp_path, both)


def test_hidden_when_below_needs_a_count(tmp_path: Path) -> None:
    def flag_rule_hidden(data: dict[str, Any]) -> None:
        data["kpis"].append(
            {"id": "N23590", "label": "Få", "unit": "ja/nej", "higher_is_better": None}
        )
        data["areas"][0]["low_response"] = {"kpi": "N23590", "at_least": 1, "hidden_when_below": 1}

    text = error_for(tmp_path, flag_rule_hidden)
    assert "areas[0].low_response.hidden_when_below: expected true or false, got the number 1" in (
        text
    )


def test_unit_level_label_and_unit_are_optional_and_checked(tmp_path: Path, real) -> None:
    assert (real.kpi("N15034").unit_unit, real.kpi("N15034").unit) == ("elever per lärare", "antal")
    assert real.kpi("N15504").unit_label == "Meritvärde, jämfört med alla skolor"  # one school
    assert real.kpi("U21468").unit_label == real.kpi("U21468").label  # none given: the same
    text = error_for(tmp_path, _set("kpis", 0, "ou_unit", value="  "))
    assert "indicators.yaml: kpis[0].ou_unit: must not be empty (KPI 'U21468')" in text
    text = error_for(tmp_path, _set("kpis", 0, "ou_label", value=3))
    assert "kpis[0].ou_label: expected text, got the number 3 (put it in quotes)" in text
