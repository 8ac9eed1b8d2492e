"""View-ready uncertainty (issue 16): the pure analysis of `uncertainty.py` applied to the
service's frames, and the Swedish words the pages, charts and exports show. No Dash, no I/O.

Where a row's interval comes from, in this order (docs/uncertainty.md, section 1):

1. Kolada's own half-width ("Osäkerhetstal", N21450-N21466): a KPI of the store titled
   "Osäkerhetstal - <title>" gives the half-widths of the KPI titled <title>;
2. the Wilson 95 % interval from the survey's respondents (U23592, U23594: the area's
   `low_response` count, via surveys.respondents), for a share (unit "%");
3. a count that Kolada hid ("färre än 30 svarande"): the interval with n = 29 is kept (source
   "hidden") but never shown, as the true one is wider; the colour is "osäker" when it is
   already unsure with n = 29, else "okänd" (certainty_from_inner_interval), and so is a
   measure using such a KPI; "inte skild från riket" still holds when that inner interval
   contains Riket's value;
4. otherwise nothing: certainty "unknown" and no interval words. Nothing is invented.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..analysis import trends, uncertainty
from ..analysis.uncertainty import SURE, UNKNOWN, UNSURE
from ..labels import is_missing, number

HALF_WIDTH_PREFIX = "Osäkerhetstal - "
KOLADA, WILSON, HIDDEN, NONE = "kolada", "wilson", "hidden", "none"
# Columns added to the service's KPI rows (kpi x municipality x year).
KPI_COLUMNS = (
    "lo",
    "hi",
    "interval_source",
    "place_best",
    "place_worst",
    "certainty",
    "differs",
    "change_certainty",
    "within_margin",
)
# Columns added to the service's measure rows.
MEASURE_COLUMNS = ("certainty", "place_best", "place_worst", "value_lo", "value_hi")


# --- the frames ---------------------------------------------------------------------------


def half_width_pairs(titles: Mapping[str, Any]) -> dict[str, str]:
    """{half-width KPI id: result KPI id} from KPI titles: the KPI titled exactly
    "Osäkerhetstal - <t>" gives the half-widths of the one KPI titled <t> (whose own title
    does not start so). Nothing is guessed: a title that is not text, a <t> that no KPI or
    several KPIs carry, or two half-width KPIs of one title give no pair."""
    text = {str(k): t for k, t in titles.items() if isinstance(t, str)}
    results: dict[str, list[str]] = {}
    halves: dict[str, list[str]] = {}
    for k, t in text.items():
        if t.startswith(HALF_WIDTH_PREFIX):
            halves.setdefault(t[len(HALF_WIDTH_PREFIX) :], []).append(k)
        else:
            results.setdefault(t, []).append(k)
    return {
        h[0]: results[t][0]
        for t, h in halves.items()
        if len(h) == 1 and len(results.get(t, ())) == 1
    }


def half_widths(values: pd.DataFrame, kpis: pd.DataFrame) -> pd.Series:
    """Kolada's half-widths by (kpi, municipality_id, year) of the result KPI, from the store
    KPIs titled "Osäkerhetstal - <title of the result KPI>" (gender T; half_width_pairs).
    Empty when the store has none (the bundled snapshot: Kolada publishes them from about
    2023; `sync` fetches those of the configured KPIs)."""
    result_of = half_width_pairs(kpis.set_index("id")["title"].to_dict())
    index = pd.MultiIndex.from_arrays([[], [], []], names=["kpi", "municipality_id", "year"])
    if not result_of:
        return pd.Series([], index=index, dtype=float)
    v = values[values["kpi"].isin(list(result_of)) & (values["gender"] == "T")]
    v = v.assign(kpi=v["kpi"].map(result_of), municipality_id=v["municipality_id"].astype(str))
    out = v.dropna(subset=["value"]).set_index(["kpi", "municipality_id", "year"])["value"]
    return out[~out.index.duplicated()].astype(float)


def annotate_kpi_rows(
    rows: pd.DataFrame,
    directions: Mapping[str, bool | None],
    units: Mapping[str, str],
    half: pd.Series | None = None,
) -> pd.DataFrame:
    """The service's KPI rows (kpi, municipality_id, year, value, colour, riket, respondents,
    few, limit, trend, previous_year, change; every municipality of each KPI-year) with
    KPI_COLUMNS added, and `trend` following the two-proportion rule for survey shares."""
    out = rows.copy()
    value = out["value"].to_numpy(dtype=float)
    share = uncertainty.per_distinct(out["kpi"], lambda k: units.get(k) == "%", dtype=bool)
    count = np.where(share, out["respondents"].to_numpy(dtype=float), np.nan)
    hidden = (
        share
        & np.isnan(count)
        & out["few"].to_numpy(dtype=bool)
        & out["limit"].notna().to_numpy()
        & ~np.isnan(value)
    )
    n = np.where(hidden, out["limit"].to_numpy(dtype=float) - 1, count)
    given = np.full(len(out), np.nan)
    if half is not None and len(half):
        keys = pd.MultiIndex.from_frame(out[["kpi", "municipality_id", "year"]])
        given = half.reindex(keys).to_numpy(dtype=float)
    interval = uncertainty.value_interval(value, n, given)
    hidden &= interval.source == WILSON  # Kolada's own half-width needs no count
    frame = out[["kpi", "municipality_id", "year", "value", "colour"]].assign(
        lo=interval.lo, hi=interval.hi
    )
    ranked = uncertainty.annotate_kpis(frame, directions)
    certainty = ranked["certainty"].to_numpy(dtype=object)
    certainty = np.where(
        hidden, uncertainty.certainty_from_inner_interval(certainty), certainty
    ).astype(object)
    out["lo"], out["hi"] = interval.lo, interval.hi  # for a hidden count: the inner one
    out["interval_source"] = np.where(hidden, HIDDEN, interval.source).astype(object)
    out["place_best"] = np.where(hidden, np.nan, ranked["place_best"])
    out["place_worst"] = np.where(hidden, np.nan, ranked["place_worst"])
    out["certainty"] = certainty
    differs = uncertainty.differs_from_reference(out["lo"], out["hi"], out["riket"])
    differs[hidden & differs.fillna(False).to_numpy(dtype=bool)] = pd.NA
    out["differs"] = differs
    _with_change(out, count)
    return out


def _with_change(out: pd.DataFrame, count: np.ndarray) -> None:
    """change_certainty against the previous year with a value, and the trend by it: a survey
    share that moved but not beyond the 95 % test is "same", within_margin."""
    series = _series_codes(out)
    year = out["year"].to_numpy(dtype=np.int64)
    previous = out["previous_year"].fillna(-1).to_numpy(dtype=np.int64)
    counts = pd.Series(count, index=series * _YEARS + year + 1)
    counts = counts[~counts.index.duplicated()]
    previous_count = counts.reindex(series * _YEARS + previous + 1).to_numpy(dtype=float)
    change = uncertainty.change_certainty(
        out["previous_value"].to_numpy(dtype=float),
        previous_count,
        out["value"].to_numpy(dtype=float),
        count,
    )
    moved = out["change"].fillna(0).to_numpy(dtype=float) != 0
    judged = out["trend"].isin([trends.BETTER, trends.WORSE]).to_numpy()
    margin = judged & moved & (change == UNSURE)
    out["change_certainty"] = change
    out["within_margin"] = margin
    out["trend"] = np.where(margin, trends.SAME, out["trend"].to_numpy(dtype=object))


_YEARS = 100_000  # year + 1 (0: none) as the low digits of a row's integer key


def _series_codes(rows: pd.DataFrame) -> np.ndarray:
    """One integer per (kpi, municipality_id) of each row: with the year, a row's key as an
    int64 (a MultiIndex of 165,000 text keys took a tenth of the service's start-up)."""
    kpi, _ = pd.factorize(rows["kpi"])
    place, places = pd.factorize(rows["municipality_id"])
    return kpi.astype(np.int64) * (len(places) + 1) + place


def fill_missing(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows merged from a layout (a KPI without a row that year): unknown, no interval."""
    out = rows.copy()
    out["certainty"] = out["certainty"].fillna(UNKNOWN)
    out["interval_source"] = out["interval_source"].fillna(NONE)
    out["within_margin"] = out["within_margin"].fillna(False).astype(bool)
    out["change_certainty"] = out["change_certainty"].fillna(UNKNOWN)
    return out


def annotate_measures(
    measure_rows: pd.DataFrame,
    kpi_rows: pd.DataFrame,
    measures: Mapping[str, Sequence[str]],
    directions: Mapping[str, bool | None],
) -> pd.DataFrame:
    """`ranking.measure_quartiles` rows with the measure's certainty (uncertainty.
    measure_certainty: every KPI at the worse ends at once and at the better ends at once;
    a KPI with a value but no interval makes the measure "unknown")."""
    kpis = kpi_rows.reset_index() if "municipality_id" not in kpi_rows else kpi_rows
    columns = ["kpi", "municipality_id", "year", "value", "colour", "lo", "hi"]
    ranked = uncertainty.annotate_kpis(kpis[columns], directions)
    ranked["certainty"] = kpis["certainty"].to_numpy(dtype=object)  # a one-KPI measure's
    out = uncertainty.measure_certainty(ranked, measure_rows, measures, directions)
    # A KPI with a hidden count entered with its inner interval (n = 29): widening the
    # KPIs' intervals only widens the mean-score range, so "unsure" stands, "sure" is unknown.
    hidden = kpis.loc[kpis["interval_source"].eq(HIDDEN) & kpis["value"].notna()]
    members = pd.DataFrame(
        [(m, k) for m, ks in measures.items() for k in ks], columns=["measure", "kpi"]
    )
    keys = ["measure", "municipality_id", "year"]
    touched = members.merge(hidden[["kpi", "municipality_id", "year"]], on="kpi")[keys]
    hit = pd.MultiIndex.from_frame(out[keys]).isin(pd.MultiIndex.from_frame(touched))
    out.loc[hit, "certainty"] = uncertainty.certainty_from_inner_interval(out.loc[hit, "certainty"])
    out.loc[hit, ["place_best", "place_worst", "value_lo", "value_hi"]] = np.nan
    return out


# --- the words ----------------------------------------------------------------------------


def shown_interval(row: Any) -> tuple[float, float]:
    """The interval a page may show: none for a hidden count (its inner one is too narrow)."""
    if _get(row, "interval_source", NONE) not in (KOLADA, WILSON):
        return np.nan, np.nan
    return _get(row, "lo"), _get(row, "hi")


def interval_text(lo: float, hi: float, unit: str) -> str:
    """ "felmarginal 89–96 %" (95 %); "" when unknown."""
    if pd.isna(lo) or pd.isna(hi):
        return ""
    return f"felmarginal {number(_round(lo))}–{number(_round(hi), unit)}"


def certainty_word(colour: str, certainty: str) -> str:
    """ "säker", "osäker", "säkert i mitten"; "" for unknown (nothing to say)."""
    if certainty not in (SURE, UNSURE):
        return ""
    return uncertainty.certainty_word(colour, certainty)


def certainty_explanation(colour: str, certainty: str, source: str = WILSON) -> str:
    """Why the colour is (un)sure, in one sentence; "" when there is nothing to say."""
    side = {"green": "de 25 % bästa", "red": "de 25 % sämsta"}.get(colour)
    if certainty == SURE and colour == "yellow":
        return "Hela felmarginalen ligger mellan gränserna för de 25 % bästa och sämsta."
    if certainty == SURE and side:
        return f"Hela felmarginalen ligger bland {side}: färgen står sig."
    if certainty == UNSURE and source == HIDDEN:
        return "Färre än 30 svarande: färgen kan vara en annan inom felmarginalen."
    if certainty == UNSURE:
        return "Felmarginalen når över en kvartilgräns: färgen kan vara en annan."
    if source == HIDDEN:
        return "Antalet svarande är dolt (färre än 30): säkerheten kan inte bedömas."
    return ""


def differs_text(differs: Any) -> str:
    """ "skild från riket" / "inte skild från riket" (the interval excludes Riket or not)."""
    if is_missing(differs):
        return ""
    return "skild från riket" if bool(differs) else "inte skild från riket"


def place_text(rank: float, n: int, best: float, worst: float) -> str:
    if pd.isna(rank):
        return ""
    return uncertainty.place_range_text(rank, n, best, worst)


def change_text(row: Any) -> str:
    """The trend word of a KPI row: "oförändrat inom felmarginalen" when its value moved
    within the margin; "" otherwise (the row's own trend word stands)."""
    return trends.WITHIN_MARGIN if bool(_get(row, "within_margin", False)) else ""


def attribute(certainty: Any) -> str:
    """The page's `data-certainty` value: sure, unsure or unknown."""
    return certainty if certainty in (SURE, UNSURE) else UNKNOWN


def footnote() -> str:
    """The footnote of exports and the one-pager."""
    return (
        "Felmarginal: 95 % intervall för enkätsvar (Wilson, från antalet svarande; Koladas "
        "osäkerhetstal där de finns). Säker = hela felmarginalen ger samma färg. "
        "Förändringar prövas med tvåprocentstest (95 %)."
    )


def _round(x: float) -> float:
    return float(np.round(x, 1))


def _get(row: Any, name: str, default: Any = np.nan) -> Any:
    if isinstance(row, Mapping):
        return row.get(name, default)
    return getattr(row, name, default)


# --- one KPI of one municipality (level 2:2) ------------------------------------------------

UNKNOWN_ROW: dict[str, Any] = {
    "certainty": UNKNOWN,
    "lo": np.nan,
    "hi": np.nan,
    "interval_source": NONE,
    "place_best": np.nan,
    "place_worst": np.nan,
    "differs": pd.NA,
    "within_margin": False,
}


def kpi_uncertainty(svc: Any, summary: Any, municipality: str) -> dict[str, Any]:
    """The uncertainty of a KPI summary's result (or a peer's, same KPI and year) from the
    service's KPI rows; unknown for a KPI the page's area uses as context."""
    if summary.context:
        return dict(UNKNOWN_ROW)
    rows = svc.kpi_rows_at(municipality, summary.year)
    hit = rows[rows["kpi"] == summary.kpi]
    if hit.empty:
        return dict(UNKNOWN_ROW)
    row = hit.iloc[0]
    return {k: row.get(k, UNKNOWN_ROW[k]) for k in UNKNOWN_ROW}


def summary_facts(summary: Any, u: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The KPI page's facts on uncertainty: the place with its likely range, the colour's
    certainty, and whether the value differs from Riket's."""
    s = summary
    place = s.rank_text
    if not s.context and pd.notna(s.rank) and pd.notna(s.value):
        place = place_text(s.rank, s.n, u["place_best"], u["place_worst"])
    facts = [("Placering", place)]
    word = certainty_word(s.colour, u["certainty"])
    if word and pd.notna(s.value):
        explanation = certainty_explanation(s.colour, u["certainty"], u["interval_source"])
        facts.append(("Färgens säkerhet", f"{word}. {explanation}"))
    differs = differs_text(u["differs"])
    if differs and pd.notna(s.value):
        why = (
            "rikets värde ligger utanför felmarginalen"
            if u["differs"]
            else "rikets värde ligger inom felmarginalen"
        )
        facts.append(("Jämfört med riket", f"{differs[0].upper()}{differs[1:]}: {why}"))
    return facts


# --- charts and exports ---------------------------------------------------------------------

LOW, HIGH, SURENESS = "Felmarginal, lägst", "Felmarginal, högst", "Färgens säkerhet"


def kpi_year_intervals(svc: Any, kpi: str, year: int, context: bool) -> pd.DataFrame:
    """Every municipality's shown interval and certainty of a KPI-year (indexed by
    municipality_id): lo, hi (NaN where none may be shown), certainty."""
    part = svc.kpi_year_rows(kpi, year, ("lo", "hi", "interval_source", "certainty"))
    shown = part["interval_source"].isin([KOLADA, WILSON])
    out = pd.DataFrame(
        {
            "lo": part["lo"].where(shown),
            "hi": part["hi"].where(shown),
            "certainty": UNKNOWN if context else part["certainty"],
        }
    )
    return out[~out.index.duplicated()]


def trend_intervals(svc: Any, kpi: str, municipality: str, years: Sequence[int]) -> pd.DataFrame:
    """The municipality's shown interval per year (lo, hi; NaN where none), indexed by year."""
    years = list(years)
    if not years:
        return pd.DataFrame({"lo": [], "hi": []}, dtype=float)
    mine = svc.kpi_history(kpi, municipality, min(years), max(years))
    shown = mine["interval_source"].isin([KOLADA, WILSON])
    frame = pd.DataFrame({"lo": mine["lo"].where(shown), "hi": mine["hi"].where(shown)})
    frame = frame[~frame.index.duplicated()]
    return frame.reindex(years)


def certainty_words_column(colours: pd.Series, certainty: pd.Series) -> list[str]:
    return [certainty_word(c, k) for c, k in zip(colours, certainty, strict=True)]
