"""The charts of level 2:3: the municipality's units on a KPI, and one unit over the years."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...analysis import unit_list
from ...labels import number
from ...service.facade import IndicatorService
from .. import figures
from .chart import (
    Chart,
    _names,
    _unit_col,
    _unit_level,
    _word,
    slugify,
)

# --- level 2:3 --------------------------------------------------------------------------


def reference_note(name: str, municipality: float, riket: float, unit: str, year: int) -> str:
    """What the reference lines of a units chart show, or that the data has none for the
    year (municipality values end earlier than unit values in the snapshot)."""
    known = [(w, v) for w, v in ((name, municipality), ("riket", riket)) if pd.notna(v)]
    if not known:
        return f"Datan har inga värden för kommunen och riket {year}, så inga linjer visas."
    lines = " och ".join(f"{w} {number(v, unit)}" for w, v in known)
    return f"Linjerna visar {lines} ({year})."


def units(
    svc: IndicatorService,
    area: str,
    kpi: str,
    *,
    municipality: str,
    year: int,
    chosen: tuple[str, ...] = (),
) -> Chart | None:
    """The municipality's best and worst units for one KPI and the `chosen` ones (all of
    them when they are few), beside the municipality's and Riket's values; its data has every
    unit with a value."""
    name, slug, config_area = _names(svc, municipality, area)
    definition = svc.config.kpi(kpi)
    label, unit_text = definition.unit_label, definition.unit_unit
    table = svc.unit_table(area, municipality, year)
    rows = table[table["kpi"] == kpi]
    with_value = rows.dropna(subset=["value"])
    if with_value.empty:
        return None
    # the data (the download, "Visa som tabell"): every unit with a value, best first
    every = unit_list.best_first(with_value, definition.higher_is_better, chosen)
    shown = unit_list.extremes_of(every)
    unit_names = svc.unit_names(area, municipality, year)
    shown["title"] = shown["ou_id"].map(unit_names)  # two of a name stay two
    own, riket = rows["municipality_value"].iloc[0], rows["riket"].iloc[0]
    title = f"{label}, {config_area.unit_noun} i {name}"
    fig = figures.units_figure(
        shown, unit=unit_text, title=title, municipality=own, riket=riket, name=name
    )
    data = pd.DataFrame(
        {
            "Enhet": every["ou_id"].map(unit_names),
            _unit_col("Värde", unit_text): every["value"],
            "Färg": every["colour"].map(_word),
            "Placering bland landets enheter": every["rank"],
            "Antal enheter i landet": every["n"],
            "I diagrammet": every["ou_id"].isin(shown["ou_id"]).map({True: "ja", False: ""}),
            "Vald för jämförelse": every["chosen"].map({True: "ja", False: ""}),
        }
    )
    lo, hi = shown.loc[shown["value"].idxmin()], shown.loc[shown["value"].idxmax()]
    colours = with_value["colour"].value_counts()
    alt = (
        f"Stapeldiagram: {label} {year}, {_which_units(shown, len(with_value), definition)} "
        f"i {name}, från {number(lo['value'], unit_text)} ({lo['title']}) till "
        f"{number(hi['value'], unit_text)} ({hi['title']}). Av kommunens "
        f"{len(with_value)} är {colours.get('green', 0)} bland de 25 % bästa och "
        f"{colours.get('red', 0)} bland de 25 % sämsta av landets "
        f"{number(float(with_value['n'].iloc[0]))} enheter. "
        + reference_note(name, own, riket, unit_text, year)
    )
    compared = (("jamfor", ",".join(chosen)),) if chosen else ()
    return Chart(
        "enheter",
        f"{slug}_{year}_{area}_{kpi.lower()}_enheter",
        title,
        f"{name} {year}",
        fig,
        data,
        alt,
        year,
        universe="enheter",
        params=(("area", area), ("kpi", kpi), *compared),
        vintage=_unit_level(svc),
    )


def _which_units(shown: pd.DataFrame, with_value: int, definition: Any) -> str:
    """ "de 5 bästa och de 5 sämsta av 63 enheter med värde (★ vald: Tiundaskolan)"."""
    if not shown["skipped"].any():
        which = f"alla {with_value} enheter med värde"
    else:
        ends = ("högsta", "lägsta") if definition.higher_is_better is None else ("bästa", "sämsta")
        k = unit_list.EXTREMES
        which = f"de {k} {ends[0]} och de {k} {ends[1]} av {with_value} enheter med värde"
    picked = shown.loc[shown["chosen"], "title"].tolist()
    if picked:
        which += f" (★ {'vald' if len(picked) == 1 else 'valda'}: {', '.join(picked)})"
    return which


def unit(
    svc: IndicatorService, area: str, ou: str, kpi: str, *, municipality: str, year: int
) -> Chart | None:
    """One unit over the years beside the municipality and Riket in the same years (where
    the data has them). None for fewer than two years: one value is not a trend."""
    name, slug, _ = _names(svc, municipality, area)
    info = svc.unit(ou)
    rows = svc.unit_trend(ou, kpi)
    if rows["year"].nunique() < 2:
        return None
    definition = svc.config.kpi(kpi)
    label, unit_text = definition.unit_label, definition.unit_unit
    own = svc.trend(kpi, municipality, int(rows["year"].max()), area=area).set_index("year")
    rows = rows.assign(
        municipality=rows["year"].map(own["value"]), riket=rows["year"].map(own["riket"])
    )
    title = f"{label}, {info['title']}"
    fig = figures.trend_figure(
        rows, name=info["title"], unit=unit_text, title=title, municipality_name=name
    )
    data = pd.DataFrame(
        {
            "År": rows["year"],
            _unit_col("Värde", unit_text): rows["value"],
            "Färg": rows["colour"].map(_word),
            "Placering bland landets enheter": rows["rank"],
            _unit_col(name, unit_text): rows["municipality"],
            _unit_col("Riket", unit_text): rows["riket"],
        }
    )
    last = rows.iloc[-1]
    where = (
        "sammanhangsmått, färgsätts inte"
        if last["colour"] == "neutral"
        else f"{_word(last['colour']).lower()} bland landets enheter"
    )
    shown = rows.loc[rows["municipality"].notna() | rows["riket"].notna(), "year"]
    lines = (
        f" Linjer: {name} och riket ({', '.join(str(int(y)) for y in shown)})."
        if len(shown)
        else f" Datan har inga värden för {name} och riket de här åren."
    )
    alt = (
        f"{label} för {info['title']} ({name}) {int(rows['year'].min())}–"
        f"{int(last['year'])}: senast {number(last['value'], unit_text)} ({where})." + lines
    )
    return Chart(
        "enhet",
        f"{slug}_{int(last['year'])}_{area}_{slugify(info['title'])}_{kpi.lower()}",
        title,
        f"{info['title']}, {name}",
        fig,
        data,
        alt,
        int(last["year"]),
        universe="enheter",
        params=(("area", area), ("enhet", ou), ("kpi", kpi)),
        vintage=_unit_level(svc),
    )
