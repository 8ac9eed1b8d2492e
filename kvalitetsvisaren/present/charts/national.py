"""The charts of levels 1, 2 and 2:2: tiles, a measure's KPIs, a KPI's spread, group, trend
and gender split."""

from __future__ import annotations

import pandas as pd

from ...labels import QUARTILES, number, year_list
from ...rows import records
from ...service import certainty_view
from ...service.facade import IndicatorService
from ...service.records import UnknownError, rank_text
from .. import figures
from .chart import (
    Chart,
    Place,
    _names,
    _unit_col,
    _word,
    group_members,
)

# --- level 1 ----------------------------------------------------------------------------


def tile_rows(measures: pd.DataFrame) -> pd.DataFrame:
    """The quality measures of an area summary as tiles: label, colour, certainty and the
    place as the tile says it ("plats 24 av 286", with "(osäker)" when the colour's certainty
    is known, issue 16; why there is none when there is none). measure is kept."""
    quality = measures[measures["kind"] == "quality"]
    places = []
    for r in records(quality):
        place = rank_text(r.rank, r.n) if pd.notna(r.rank) else r.missing or rank_text(r.rank, 0)
        word = certainty_view.certainty_word(r.colour, r.certainty)
        places.append(place + (f" ({word})" if word else ""))
    return pd.DataFrame(
        {
            "measure": quality["measure"].tolist(),
            "label": quality["label"].tolist(),
            "colour": quality["colour"].tolist(),
            "certainty": quality["certainty"].tolist(),
            "rank_text": places,
        }
    )


def tiles(svc: IndicatorService, area: str, *, municipality: str, year: int) -> Chart:
    """Level 1's tiles of one area as an image: the quality measures' colours, icons, words
    and places (the context measures are not coloured, so not tiles here)."""
    name, _, config_area = _names(svc, municipality, area)
    summary = svc.area_summary(area, municipality, year)
    rows = tile_rows(summary.measures)
    title = f"{config_area.label}: {name} jämfört med landets kommuner"
    fig = figures.tiles_figure(rows, title=title)
    data = pd.DataFrame(
        {
            "Mått": rows["label"],
            "Färg": rows["colour"].map(_word),
            "Placering": rows["rank_text"],
        }
    )
    parts = [f"{r.label}: {_word(r.colour).lower()}, {r.rank_text}" for r in records(rows)]
    alt = (
        f"Rutor för {config_area.label.lower()} i {name} {year}, ett mått per ruta: "
        + "; ".join(parts)
        + f". {summary.verdict}"
    )
    here = Place(svc, name, year, area)
    return here.chart("rutor", "rutor", title, fig, data, alt)


# --- level 2 ----------------------------------------------------------------------------


def measure(
    svc: IndicatorService, area: str, measure_id: str, *, municipality: str, year: int
) -> Chart:
    name, _, config_area = _names(svc, municipality, area)
    try:
        config_measure = config_area.measure(measure_id)
    except KeyError:
        raise UnknownError(f"Måttet {measure_id!r} finns inte i {config_area.label}.") from None
    rows = svc.area_kpis(area, municipality, year)
    shown = ["label", "value", "riket", "colour", "rank_text", "unit"]  # all this reads
    rows = rows.loc[rows["measure"] == measure_id, shown]
    unit = rows["unit"].iloc[0]
    rows = rows[rows["unit"] == unit]  # one axis: the KPIs that share the headline's unit
    title = f"{config_measure.label}: {name} jämfört med riket"
    fig = figures.measure_figure(rows, name=name, title=title, unit=unit)
    data = pd.DataFrame(
        {
            "Nyckeltal": rows["label"],
            _unit_col(name, unit): rows["value"],
            _unit_col("Riket", unit): rows["riket"],
            "Färg": rows["colour"].map(_word),
            "Placering": rows["rank_text"],
        }
    )
    parts = [
        f"{r.label} {number(r.value, unit)} (riket {number(r.riket, unit)})" for r in records(rows)
    ]
    alt = f"{config_measure.label} i {name} {year}: " + "; ".join(parts) + "."
    here = Place(svc, name, year, area)
    return here.chart("matt", measure_id, title, fig, data, alt, ("measure", measure_id))


# --- level 2:2 --------------------------------------------------------------------------


def spread(svc: IndicatorService, kpi: str, *, area: str, municipality: str, year: int) -> Chart:
    name, _, _ = _names(svc, municipality, area)
    s = svc.kpi_summary(kpi, municipality, year, area=area)
    dist = svc.distribution(kpi, year, area=area)
    intervals = certainty_view.kpi_year_intervals(svc, kpi, year, s.context)
    dist = dist.join(intervals, on="municipality_id")
    title = f"{s.label}, alla kommuner"
    fig = figures.strip_figure(
        dist,
        municipality,
        name,
        unit=s.unit,
        title=title,
        riket=s.riket,
        mean=s.mean,
        green_cut=s.green_cut,
        red_cut=s.red_cut,
    )
    data = pd.DataFrame(
        {
            "Kommun": dist["title"],
            _unit_col("Värde", s.unit): dist["value"],
            "Färg": dist["colour"].map(_word),
            "Placering": dist["rank"],
        }
    )
    mine = dist[dist["municipality_id"] == municipality]
    error_bar = ""
    if dist["lo"].notna().any():  # issue 16: the intervals and how sure each colour is
        data[_unit_col(certainty_view.LOW, s.unit)] = dist["lo"].round(1)
        data[_unit_col(certainty_view.HIGH, s.unit)] = dist["hi"].round(1)
        data[certainty_view.SURENESS] = certainty_view.certainty_words_column(
            dist["colour"], dist["certainty"]
        )
    if len(mine) and mine["lo"].notna().any():
        shown = certainty_view.interval_text(mine["lo"].iloc[0], mine["hi"].iloc[0], s.unit)
        error_bar = f" Felstapeln vid {name} visar {shown} (95 %)."
    data = data.sort_values("Placering", ignore_index=True)
    alt = (
        f"Spridningsdiagram: {s.label} {year} för landets {len(dist)} kommuner med uppgift. "
        f"{name} har {number(s.value, s.unit)}, {s.rank_text} "
        f"({_word(s.colour).lower()}); riket {number(s.riket, s.unit)}, ovägt medel "
        f"{number(s.mean, s.unit)}." + error_bar
    )
    here = Place(svc, name, year, area)
    return here.chart("spridning", f"{kpi.lower()}_spridning", title, fig, data, alt, ("kpi", kpi))


def group(
    svc: IndicatorService,
    kpi: str,
    *,
    area: str,
    municipality: str,
    year: int,
    grupp: str = "liknande",
) -> Chart | None:
    name, _, _ = _names(svc, municipality, area)
    s = svc.kpi_summary(kpi, municipality, year, area=area)
    found = svc.comparison(kpi, municipality, year, group_members(grupp), area=area)
    if found is None:
        return None
    title = f"{s.label}: {found.label}"
    fig = figures.group_figure(
        found.members,
        unit=s.unit,
        title=title,
        mean=found.mean,
        higher_is_better=None if s.context else s.higher_is_better,
    )
    m = found.members
    data = pd.DataFrame(
        {
            "Kommun": m["title"],
            _unit_col("Värde", s.unit): m["value"],
            "Färg": m["colour"].map(_word),
            "Plats i gruppen": m["place"],
        }
    ).sort_values("Plats i gruppen", ignore_index=True)
    place = (
        "ingen plats (sammanhang, rangordnas inte)"
        if s.context
        else "ingen plats"
        if pd.isna(found.place)
        else f"plats {int(found.place)} av {found.n}"
    )
    alt = (
        f"{s.label} {year} i jämförelsegruppen {found.label}: {name} har "
        f"{number(s.value, s.unit)} och {place} i gruppen; gruppens ovägda medel "
        f"{number(found.mean, s.unit)}."
    )
    kind = grupp if grupp in ("liknande", "lan") else "egen"
    here = Place(svc, name, year, area)
    return here.chart(
        "grupp",
        f"{kpi.lower()}_grupp-{kind}",
        title,
        fig,
        data,
        alt,
        ("kpi", kpi),
        ("grupp", grupp),
    )


def trend(svc: IndicatorService, kpi: str, *, area: str, municipality: str, year: int) -> Chart:
    name, _, _ = _names(svc, municipality, area)
    s = svc.kpi_summary(kpi, municipality, year, area=area)
    t = svc.trend(kpi, municipality, year, area=area)
    intervals = certainty_view.trend_intervals(svc, kpi, municipality, t["year"].tolist())
    t = t.assign(lo=intervals["lo"].to_numpy(), hi=intervals["hi"].to_numpy())
    title = f"{s.label}, {name} och riket"
    known = t.dropna(subset=["value"])
    gaps = {  # the chart's years without a value (a break in the line, or an empty end)
        int(y): _why_missing(svc, kpi, municipality, int(y))
        for y in (t.loc[t["value"].isna(), "year"] if len(known) else [])
    }
    fig = figures.trend_figure(t, name=name, unit=s.unit, title=title, gaps=gaps)
    data = pd.DataFrame(
        {
            "År": t["year"],
            _unit_col(name, s.unit): t["value"],
            _unit_col("Riket", s.unit): t["riket"],
            "Färg": t["colour"].map(_word),
        }
    )
    if t["lo"].notna().any():  # issue 16: the error bars
        data[_unit_col(certainty_view.LOW, s.unit)] = t["lo"].round(1)
        data[_unit_col(certainty_view.HIGH, s.unit)] = t["hi"].round(1)
    if t["target"].notna().any():
        data[_unit_col(f"Mål för {name}", s.unit)] = t["target"]
    if known.empty:
        alt = f"{s.label} för {name}: inga värden {t['year'].min()}–{year}."
    else:
        first, last = known.iloc[0], known.iloc[-1]
        alt = (
            f"Linjediagram: {s.label} för {name} {int(first['year'])}–{int(last['year'])}, "
            f"från {number(first['value'], s.unit)} till {number(last['value'], s.unit)}; "
            f"riket {number(last['riket'], s.unit)} {int(last['year'])}."
        )
        alt += " " + _marker_text(known)
        alt += "".join(f" {why}" for why in gaps.values())
        if t["lo"].notna().any():
            alt += " Felstaplarna visar 95 % felmarginal (från antalet svarande)."
    here = Place(svc, name, year, area)
    return here.chart(
        "utveckling", f"{kpi.lower()}_utveckling", title, fig, data, alt, ("kpi", kpi)
    )


def _why_missing(svc: IndicatorService, kpi: str, municipality: str, year: int) -> str:
    """ "Ingen kommun har värde för 2021.": the reason from the data, with the year."""
    why = svc.missing_reason(kpi, municipality, year)
    return why if str(year) in why else f"{year}: {why}"


def _marker_text(known: pd.DataFrame) -> str:
    """What the trend's markers say: "Markören visar färgen bland landets kommuner varje år:
    ▲ Bäst 25 % 2017; ■ Mellan 50 % 2013–2016, 2018–2020 och 2022." """
    parts = [
        f"{' '.join(QUARTILES[c])} {year_list(known.loc[known['colour'] == c, 'year'].tolist())}"
        for c in QUARTILES
        if (known["colour"] == c).any()
    ]
    return "Markören visar färgen bland landets kommuner varje år: " + "; ".join(parts) + "."


def gender(
    svc: IndicatorService, kpi: str, *, area: str, municipality: str, year: int
) -> Chart | None:
    name, _, _ = _names(svc, municipality, area)
    split = svc.gender_split(kpi, municipality, year)
    if not set(split["gender"]) >= {"K", "M"} or split["value"].isna().all():
        return None
    s = svc.kpi_summary(kpi, municipality, year, area=area)
    title = f"{s.label} per kön"
    fig = figures.gender_figure(split, unit=s.unit, title=title)
    words = {"K": "Kvinnor", "M": "Män", "T": "Totalt"}
    data = pd.DataFrame(
        {
            "Område": split["place"],
            "Kön": split["gender"].map(words),
            _unit_col("Värde", s.unit): split["value"],
        }
    )
    mine = split[split["municipality_id"] == municipality].set_index("gender")["value"]
    alt = (
        f"Stapeldiagram: {s.label} {year} för kvinnor och män. I {name} kvinnor "
        f"{number(mine.get('K'), s.unit)} och män {number(mine.get('M'), s.unit)}."
    )
    here = Place(svc, name, year, area)
    return here.chart("kon", f"{kpi.lower()}_kon", title, fig, data, alt, ("kpi", kpi))
