"""Every chart of the dashboard as one object: the figure, the data it plots (Swedish column
names with units), a Swedish alt text, and the file name it is published under. The pages
show these; the export renders them. No Dash here.

Kinds and their parameters (all take kommun and ar):

    matt        area, measure   the measure's KPIs against Riket (level 2)
    spridning   area, kpi       every municipality, cuts, Riket, mean (level 2:2)
    grupp       area, kpi, grupp  the comparison group (level 2:2)
    utveckling  area, kpi       the last ten years against Riket (level 2:2)
    kon         area, kpi       women and men (level 2:2)
    enheter     area, kpi (jamfor)  the municipality's best and worst units, and the chosen
                                    ones (level 2:3)
    enhet       area, kpi, enhet  one unit over the years, beside the municipality and Riket
    rutor       area            the area's level-1 tiles: each quality measure's colour, icon,
                                word and place (level 1)

The KPI charts of level 2:2 are drawn for the page's area (its comparison group, whether the
KPI is coloured there, the file name); an export URL without `area` gets the first area that
lists the KPI, as the page does for a URL without `omrade`.
    lokal-utveckling  matt (enhet)  an own measure over the years, with its targets
    lokal-enheter     matt          an own measure, the municipality's units compared
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..analysis import unit_list
from ..labels import QUARTILES, number, year_list
from ..rows import records
from ..service import certainty_view
from ..service.facade import IndicatorService
from ..service.records import UnknownError, rank_text
from . import figures

KINDS = (
    "rutor",
    "matt",
    "spridning",
    "grupp",
    "utveckling",
    "kon",
    "enheter",
    "enhet",
    "lokal-utveckling",
    "lokal-enheter",
)


@dataclass(frozen=True)
class Chart:
    kind: str
    slug: str  # file name stem, e.g. vastervik_2022_hemtjanst_bemotande
    title: str
    subtitle: str  # municipality (or unit) and year
    figure: figures.Figure  # plain data; figures.plotly_figure for plotly's object
    data: pd.DataFrame  # what is plotted, Swedish headers with units
    alt_text: str
    year: int
    universe: str = "kommuner"  # what the colours rank among, for the source line
    params: tuple[tuple[str, str], ...] = ()  # how to ask for it again (export URL)
    vintage: str | None = None  # when the data it shows was fetched (its part of the store)


def slugify(text: str) -> str:
    """ "Västervik" -> "vastervik": ASCII, lower case, words joined by "-"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _unit_col(name: str, unit: str) -> str:
    return f"{name} ({unit})" if unit and unit != "ja/nej" else name


def _word(colour: str) -> str:
    return QUARTILES.get(colour, QUARTILES["grey"])[1]


def build(svc: IndicatorService, kind: str, params: dict[str, Any]) -> Chart | None:
    """The chart of `kind` for the parameters (as in an export URL). Raises UnknownError for
    what the data lacks; None when the chart has nothing to show (e.g. no gender split)."""
    kpi_area = {"area": params.get("area") or _default_area(svc, params.get("kpi"))}
    builders = {
        "rutor": lambda: tiles(svc, params["area"], **_mp(params)),
        "matt": lambda: measure(svc, params["area"], params["measure"], **_mp(params)),
        "spridning": lambda: spread(svc, params["kpi"], **kpi_area, **_mp(params)),
        "grupp": lambda: group(
            svc, params["kpi"], grupp=params.get("grupp") or "liknande", **kpi_area, **_mp(params)
        ),
        "utveckling": lambda: trend(svc, params["kpi"], **kpi_area, **_mp(params)),
        "kon": lambda: gender(svc, params["kpi"], **kpi_area, **_mp(params)),
        "enheter": lambda: units(
            svc, params["area"], params["kpi"], chosen=_chosen(params), **_mp(params)
        ),
        "enhet": lambda: unit(svc, params["area"], params["enhet"], params["kpi"], **_mp(params)),
        "lokal-utveckling": lambda: own_trend(
            svc, params["matt"], ou=params.get("enhet") or None, **_mp(params)
        ),
        "lokal-enheter": lambda: own_units(
            svc, params["matt"], ou=params.get("enhet") or None, **_mp(params)
        ),
    }
    if kind not in builders:
        raise UnknownError(f"Diagramtypen {kind!r} finns inte.")
    try:
        return builders[kind]()
    except KeyError as exc:
        if isinstance(exc, UnknownError):
            raise
        raise UnknownError(f"Parametern {exc.args[0]!r} saknas för diagrammet.") from None


def _chosen(params: dict[str, Any]) -> tuple[str, ...]:
    """The units compared (jamfor=, checked by the URL boundary)."""
    return tuple(u for u in str(params.get("jamfor") or "").split(",") if u)


def _mp(params: dict[str, Any]) -> dict[str, Any]:
    return {"municipality": params["kommun"], "year": int(params["ar"])}


def _names(svc: IndicatorService, municipality: str, area: str | None = None) -> tuple:
    name = svc.check_municipality(municipality)
    return name, slugify(name), (svc.area(area) if area else None)


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
    name, slug, config_area = _names(svc, municipality, area)
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
    return Chart(
        "rutor",
        f"{slug}_{year}_{area}_rutor",
        title,
        f"{name} {year}",
        fig,
        data,
        alt,
        year,
        params=(("area", area),),
        vintage=_national(svc),
    )


# --- level 2 ----------------------------------------------------------------------------


def measure(
    svc: IndicatorService, area: str, measure_id: str, *, municipality: str, year: int
) -> Chart:
    name, slug, config_area = _names(svc, municipality, area)
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
    return Chart(
        "matt",
        f"{slug}_{year}_{area}_{measure_id}",
        title,
        f"{name} {year}",
        fig,
        data,
        alt,
        year,
        params=(("area", area), ("measure", measure_id)),
        vintage=_national(svc),
    )


# --- level 2:2 --------------------------------------------------------------------------


def spread(svc: IndicatorService, kpi: str, *, area: str, municipality: str, year: int) -> Chart:
    name, slug, _ = _names(svc, municipality, area)
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
    return Chart(
        "spridning",
        f"{slug}_{year}_{area}_{kpi.lower()}_spridning",
        title,
        f"{name} {year}",
        fig,
        data,
        alt,
        year,
        params=(("area", area), ("kpi", kpi)),
        vintage=_national(svc),
    )


def group(
    svc: IndicatorService,
    kpi: str,
    *,
    area: str,
    municipality: str,
    year: int,
    grupp: str = "liknande",
) -> Chart | None:
    name, slug, _ = _names(svc, municipality, area)
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
    return Chart(
        "grupp",
        f"{slug}_{year}_{area}_{kpi.lower()}_grupp-{kind}",
        title,
        f"{name} {year}",
        fig,
        data,
        alt,
        year,
        params=(("area", area), ("kpi", kpi), ("grupp", grupp)),
        vintage=_national(svc),
    )


def trend(svc: IndicatorService, kpi: str, *, area: str, municipality: str, year: int) -> Chart:
    name, slug, _ = _names(svc, municipality, area)
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
    return Chart(
        "utveckling",
        f"{slug}_{year}_{area}_{kpi.lower()}_utveckling",
        title,
        f"{name} {year}",
        fig,
        data,
        alt,
        year,
        params=(("area", area), ("kpi", kpi)),
        vintage=_national(svc),
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
    name, slug, _ = _names(svc, municipality, area)
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
    return Chart(
        "kon",
        f"{slug}_{year}_{area}_{kpi.lower()}_kon",
        title,
        f"{name} {year}",
        fig,
        data,
        alt,
        year,
        params=(("area", area), ("kpi", kpi)),
        vintage=_national(svc),
    )


# --- level 2:3 --------------------------------------------------------------------------


def group_members(grupp: str) -> str | list[str]:
    """The URL's `grupp` as the service takes it: "liknande", "lan" or a list of ids."""
    return grupp if grupp in ("liknande", "lan") else grupp.split(",")


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


# --- own measures (lokala uppgifter) ------------------------------------------------------


def own_trend(
    svc: IndicatorService, measure_id: str, *, municipality: str, year: int, ou: str | None = None
) -> Chart | None:
    """The own measure over the years for the municipality, or for one unit beside the
    municipality as a whole; the targets as a dotted line."""
    name, slug, _ = _names(svc, municipality)
    info = svc.own_measure(measure_id)
    whole = svc.own_values(measure_id, municipality).assign(name=name)
    place, series = name, whole
    if ou is not None:
        place = svc.unit(ou)["title"]
        mine = svc.own_values(measure_id, municipality, ou).assign(name=place)
        both = [mine, whole.assign(target=float("nan"))]
        series = pd.concat([f for f in both if len(f)] or [mine], ignore_index=True)
    if series[series["name"] == place].empty:
        return None
    title = f"{info['label']}, {place}"
    fig = figures.own_trend_figure(series, unit=info["unit"], title=title)
    data = series.pivot_table(index="year", columns="name", values="value", sort=False)
    data = data.rename(columns=lambda c: _unit_col(c, info["unit"])).rename_axis(None, axis=1)
    data = data.rename_axis("År").reset_index()
    goals = series.dropna(subset=["target"]).drop_duplicates("year").set_index("year")["target"]
    if len(goals):
        data[_unit_col("Mål", info["unit"])] = data["År"].map(goals)
    focus = series[series["name"] == place]
    first, last = focus.iloc[0], focus.iloc[-1]
    alt = (
        f"Linjediagram (lokal uppgift, jämförs inte med landet): {info['label']} för {place} "
        f"{int(first['year'])}–{int(last['year'])}, från {number(first['value'], info['unit'])} "
        f"till {number(last['value'], info['unit'])}."
    )
    stem = slugify(place) if ou else info["area"]
    return Chart(
        "lokal-utveckling",
        f"{slug}_{int(last['year'])}_{stem}_{slugify(measure_id)}_lokal",
        title,
        f"{place}, {name}" if ou else name,
        fig,
        data,
        alt,
        int(last["year"]),
        universe="lokal",
        params=(("matt", measure_id), *((("enhet", ou),) if ou else ())),
    )


def own_units(
    svc: IndicatorService, measure_id: str, *, municipality: str, year: int, ou: str | None = None
) -> Chart | None:
    """The municipality's units on the own measure in `year` (or its latest year before),
    compared with each other."""
    name, slug, _ = _names(svc, municipality)
    info = svc.own_measure(measure_id)
    every = svc.own_years(measure_id, municipality)  # newest first
    for at in [y for y in every if y <= year] + [y for y in every if y > year][::-1]:
        rows = svc.own_units(measure_id, municipality, at)
        if len(rows):
            break
    else:
        return None
    whole = svc.own_values(measure_id, municipality)
    own = whole.loc[whole["year"] == at, "value"]
    title = f"{info['label']}, enheterna i {name}"
    fig = figures.own_units_figure(
        rows,
        unit=info["unit"],
        title=title,
        focus=ou,
        municipality=float(own.iloc[0]) if len(own) else float("nan"),
        name=name,
    )
    data = pd.DataFrame(
        {
            "Enhet": rows["title"],
            _unit_col("Värde", info["unit"]): rows["value"],
            "Svarande": rows["respondents"],
            "Placering i kommunen": rows["place"],
        }
    )
    best, worst = rows.iloc[0], rows.iloc[-1]
    alt = (
        f"Stapeldiagram (lokal uppgift): {info['label']} {at} för {len(rows)} enheter i {name}, "
        f"bäst {best['title']} {number(best['value'], info['unit'])}, "
        f"lägst placerad {worst['title']} {number(worst['value'], info['unit'])}."
    )
    return Chart(
        "lokal-enheter",
        f"{slug}_{at}_{slugify(measure_id)}_lokal_enheter",
        title,
        f"{name} {at}",
        fig,
        data,
        alt,
        at,
        universe="lokal",
        params=(("matt", measure_id), *((("enhet", ou),) if ou else ())),
    )


def _default_area(svc: IndicatorService, kpi: str | None) -> str:
    """An export URL without `area`: the first area that lists the KPI (as the KPI page does
    for a URL without `omrade`)."""
    return svc.area_of(kpi).id if kpi else svc.config.areas[0].id


def _national(svc: IndicatorService) -> str | None:
    return svc.store.vintage("values")


def _unit_level(svc: IndicatorService) -> str | None:
    return svc.store.vintage("ou_values")


# --- every chart of a municipality -----------------------------------------------------


def all_charts(
    svc: IndicatorService, municipality: str, year: int, areas: list[str]
) -> Iterator[Chart]:
    """Every chart the dashboard shows for the areas: the level-1 tiles, each quality
    measure, each KPI with a value that year (spread, group, trend, genders; for the first
    area listing it), each unit-level KPI (the municipality's latest unit year), and each
    own measure (trend, units)."""
    seen: set[str] = set()
    for area in areas:
        config_area = svc.area(area)
        kpis = svc.area_kpis(area, municipality, year)
        yield tiles(svc, area, municipality=municipality, year=year)
        for m in config_area.measures:
            if m.kind == "quality":
                yield measure(svc, area, m.id, municipality=municipality, year=year)
        for kpi in kpis.loc[kpis["value"].notna(), "kpi"].unique():
            if kpi in seen:
                continue
            seen.add(kpi)
            where = {"area": area, "municipality": municipality, "year": year}
            yield spread(svc, kpi, **where)
            for chart in (group(svc, kpi, **where), gender(svc, kpi, **where)):
                if chart is not None:
                    yield chart
            yield trend(svc, kpi, **where)
        yield from _unit_level_charts(svc, area, municipality, year)


def _unit_level_charts(
    svc: IndicatorService, area: str, municipality: str, year: int
) -> Iterator[Chart]:
    """The area's units per KPI (the municipality's latest unit year if `year` has none),
    then its own measures (trend, units)."""
    unit_year = svc.unit_year(area, municipality, year)
    where = {"municipality": municipality}
    found = [units(svc, area, k, **where, year=unit_year) for k in svc.unit_kpis(area)]
    for measure_id in svc.own_measures(area, municipality, year)["measure_id"]:
        found += [
            own_trend(svc, measure_id, **where, year=year),
            own_units(svc, measure_id, **where, year=year),
        ]
    yield from (chart for chart in found if chart is not None)
