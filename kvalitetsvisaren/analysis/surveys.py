"""Pure: which KPIs come from one survey, and what the survey's respondents say of a result.

Kolada names a survey's KPIs alike ("Brukarbedömning hemtjänst äldreomsorg - helhetssyn, …",
"… - svarande, antal"), so the part of the title before " - " (or ",") is the survey. An area's
`low_response` rule names the KPI that counts the survey's respondents (or flags few of them);
every other KPI of the same survey gets, per municipality and year, that count ("n svarande")
and whether the result rests on few answers ("få svar").
"""

from __future__ import annotations

import re

import pandas as pd

from ..config.models import LowResponse

_SURVEY_SPLIT = re.compile(r"\s+-\s+|,")
_SOURCE = re.compile(r"Källa:\s*(?P<source>[^\n]+?)\.?\s*$")


def survey_name(title: str | float | None) -> str | None:
    """The source part of a Kolada title, before the first " - " or ",": "Brukarbedömning
    hemtjänst äldreomsorg" for both "... - helhetssyn, andel (%)" and "..., färre än 30
    svarande (Ja=1, Nej=0)"."""
    if not isinstance(title, str):
        return None
    return _SURVEY_SPLIT.split(title, maxsplit=1)[0].strip()


def source_of(description: str | float | None) -> str | None:
    """Who collects a KPI, as its Kolada description ends: "Källa: Undersökningen av äldres
    uppfattning om kvaliteten i hemtjänst och äldreboenden, Socialstyrelsen." -> the text
    after "Källa:" without the final full stop; None when the description names none."""
    if not isinstance(description, str):
        return None
    found = _SOURCE.search(description.strip())
    return found["source"].strip() if found else None


def respondents(rows: pd.DataFrame, titles: pd.Series, rules: list[LowResponse]) -> pd.DataFrame:
    """For rows of (kpi, municipality_id, year, value): `respondents` (the survey's count for
    the municipality and year, NaN if unknown or not a survey result), `few` (the result
    rests on fewer answers than the rule's limit) and `limit` (that limit, for a count).
    A result with a hidden count counts as few when the rule says Kolada hides counts below
    the limit and the count exists for some other municipality that year (so it was
    published, not missing for everyone)."""
    surveys = titles.map(survey_name)
    nan = float("nan")
    out = pd.DataFrame({"respondents": nan, "few": False, "limit": nan}, index=rows.index)
    keys = pd.MultiIndex.from_frame(rows[["municipality_id", "year"]])
    for rule in {r.kpi: r for r in rules}.values():  # areas may share a survey's rule
        if rule.kpi not in surveys.index:
            continue
        same = rows["kpi"].isin(surveys.index[surveys.eq(surveys[rule.kpi])].difference([rule.kpi]))
        own = rows[rows["kpi"] == rule.kpi]
        counts = own.set_index(["municipality_id", "year"])["value"]
        count = pd.Series(counts.reindex(keys).to_numpy(), index=rows.index)
        few = rule.flags(count)
        if rule.hidden_when_below:
            published = rows["year"].isin(own.loc[own["value"].notna(), "year"].unique())
            few |= count.isna() & rows["value"].notna() & published
        out.loc[same, "few"] = few[same].to_numpy(dtype=bool)
        if rule.is_count:
            out.loc[same, "respondents"] = count[same]
            out.loc[same, "limit"] = rule.below
    return out


def respondents_text(count: float, few: bool, limit: float) -> str:
    """ "503 svarande"; a hidden count below the limit: "färre än 30 svarande"; else ""."""
    if pd.notna(count):
        return f"{int(count)} svarande"
    return f"färre än {int(limit)} svarande" if few and pd.notna(limit) else ""
