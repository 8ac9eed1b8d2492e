"""The header row and the cells of an own-measures file: one column at a time, every row at
once, each problem worded with its line."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .own_rules import (
    _BOOLEANS,
    _DIGITS,
    _KOLADA_ID,
    _MEASURE_ID,
    _MUNICIPALITY_ID,
    _NOTHING,
    _NUMBER,
    MAX_RESPONDENTS,
    OWN_COLUMNS,
    REQUIRED_COLUMNS,
    YEARS,
    OwnMeasuresError,
    Problem,
    _Context,
    _fail,
    _Found,
    _found,
    _title_keys,
    _Units,
)

# --- the header row --------------------------------------------------------------------------


def _split_header(cells: pd.DataFrame, filename: str, hint: str) -> tuple[pd.DataFrame, _Found]:
    """The data rows under the header, columns named by it, index = line number; and the lines
    with values outside the header's columns (left out: their fields are likely shifted)."""
    filled = cells.ne("")
    if not filled.to_numpy().any():
        raise _fail(filename, "filen är tom")
    header_at = int(filled.any(axis=1).to_numpy().argmax())  # blank lines above it are allowed
    names = [str(name).lower() for name in cells.iloc[header_at]]
    problems = _header_problems(names, header_at + 1)
    if problems:  # the rows cannot be read reliably under a wrong header
        raise OwnMeasuresError(filename, problems)
    body = cells.iloc[header_at + 1 :]
    body.index = pd.RangeIndex(header_at + 2, header_at + 2 + len(body))
    strays = _stray_values(body, names, hint)
    body = body.loc[:, [bool(name) for name in names]].drop(index=strays.lines)
    body.columns = [name for name in names if name]
    body = body[body.ne("").any(axis=1)]  # completely empty rows are skipped
    if body.empty and not strays.lines.size:
        raise _fail(filename, "filen har bara en rubrikrad och inga rader med värden")
    return body, strays


def _stray_values(body: pd.DataFrame, names: list[str], hint: str) -> _Found:
    """A problem for each line with a value in a column without a header name."""
    unnamed = [i for i, name in enumerate(names) if not name]
    if not unnamed:
        return _NOTHING
    values = body.iloc[:, unnamed].to_numpy(dtype=object)
    filled = values != ""
    rows = np.flatnonzero(filled.any(axis=1))
    first = filled[rows].argmax(axis=1)  # the first such value on each of those lines

    def word(k: int) -> str:
        value, column = values[rows[k], first[k]], _column_letter(unnamed[first[k]])
        return f"raden har värdet {_quoted(value)} i kolumn {column}, som saknar rubrik{hint}"

    return _Found(body.index.to_numpy()[rows], word)


def _header_problems(names: list[str], line: int) -> list[Problem]:
    problems = []
    for i, name in enumerate(names):
        column = f"kolumn {_column_letter(i)}"
        if name and names.index(name) < i:
            first = _column_letter(names.index(name))
            problems.append(
                (line, f"kolumnen {_quoted(name)} finns två gånger ({first} och {column})")
            )
        elif name and name not in OWN_COLUMNS:
            problems.append(
                (
                    line,
                    f"okänd kolumn {_quoted(name)} ({column}{_did_you_mean(name)}); "
                    f"tillåtna kolumner: {', '.join(OWN_COLUMNS)}",
                )
            )
    missing = [c for c in OWN_COLUMNS if c in REQUIRED_COLUMNS and c not in names]
    if missing:
        quoted = ", ".join(f'"{c}"' for c in missing)
        problems.append((line, f"obligatoriska kolumner saknas: {quoted}"))
    return problems


def _column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _did_you_mean(name: str) -> str:
    # A name twice as long as every column is never 0.7 alike (2 x matches / both lengths):
    # not asking spares difflib, whose cost grows with the name (5 MB took a second).
    if len(name) > 2 * max(map(len, OWN_COLUMNS)):
        return ""
    close = difflib.get_close_matches(name, OWN_COLUMNS, n=1, cutoff=0.7)
    return f'; menade du "{close[0]}"?' if close else ""


def _quoted(raw: str) -> str:
    return f'"{raw}"' if len(raw) <= 60 else f'"{raw[:57]}…"'


# --- the cells: one column at a time, every row at once ------------------------------------
# A column's rules are (mask, reason) pairs; a cell is reported for the first rule it fails,
# as "<column> "<value>" <reason>". A reason is text, or words it from the row's position.

_Reason = str | Callable[[int], str]
_Rule = tuple[Any, _Reason]  # the mask: a numpy or pandas array of bool, one per row


def _fullmatch(raw: pd.Series, pattern: re.Pattern[str]) -> np.ndarray:
    return raw.str.fullmatch(pattern.pattern, flags=pattern.flags).to_numpy(dtype=bool)


def _measure_ids(raw: pd.Series, ctx: _Context) -> tuple[pd.Series, list[_Rule]]:
    def configured(i: int) -> str:
        where = ctx.config_measures[raw.iat[i]]
        return f"är redan id för ett mått i konfigurationen ({where}); välj ett annat id"

    return raw, [
        (
            _fullmatch(raw, _KOLADA_ID),
            "ser ut som ett nyckeltals-id i Kolada; välj ett eget id, t.ex. familj-nojd",
        ),
        (
            ~_fullmatch(raw, _MEASURE_ID),
            "får bara innehålla a–z, 0–9, - och _ (inga versaler, å, ä, ö eller mellanslag), "
            "ska börja med en bokstav och vara högst 40 tecken",
        ),
        (raw.isin(list(ctx.config_measures)), configured),
    ]


def _areas(raw: pd.Series, ctx: _Context) -> tuple[pd.Series, list[_Rule]]:
    def unknown(i: int) -> str:
        by_label = [a.id for a in ctx.areas.values() if a.label.casefold() == raw.iat[i].casefold()]
        hint = f' (menade du "{by_label[0]}"?)' if by_label else ""
        return f"är inget område{hint}; tillåtna: {', '.join(ctx.areas)}"

    lower = raw.str.lower()
    return lower, [(~lower.isin(list(ctx.areas)), unknown)]


def _municipalities(raw: pd.Series, ctx: _Context) -> tuple[pd.Series, list[_Rule]]:
    def too_short(i: int) -> str:
        return (
            f'har för få siffror: kommunkoder har 4 siffror, t.ex. "{raw.iat[i].zfill(4)}" '
            "(formatera kolumnen som text i Excel så att nollan först finns kvar)"
        )

    def no_code(i: int) -> str:
        name = raw.iat[i].casefold()
        by_name = [
            m for m, (t, k) in ctx.municipalities.items() if k == "K" and t.casefold() == name
        ]
        hint = f' ({raw.iat[i]} har koden "{by_name[0]}")' if by_name else ""
        return f'är ingen kommunkod; ange 4 siffror, t.ex. "0883"{hint}'

    kinds = raw.map(ctx.municipality_types)
    return raw, [
        (_fullmatch(raw, _DIGITS) & raw.str.len().lt(4).to_numpy(), too_short),
        (~_fullmatch(raw, _MUNICIPALITY_ID), no_code),
        (kinds.isna(), "finns inte bland Koladas kommuner"),
        (kinds.ne("K"), lambda i: f"är ingen kommun ({ctx.municipalities[raw.iat[i]][0]})"),
    ]


def _whole_numbers(text: pd.Series, max_digits: int) -> pd.Series:
    """The value of each cell of ASCII digits with at most `max_digits` after leading zeros;
    NaN for any other (int() of 5000 digits is refused, and slow)."""
    short = _fullmatch(text, _DIGITS) & text.str.lstrip("0").str.len().le(max_digits).to_numpy()
    return pd.to_numeric(text.where(short), errors="coerce")


def _years(raw: pd.Series, ctx: _Context) -> tuple[pd.Series, list[_Rule]]:
    low, high = YEARS
    years = _whole_numbers(raw, 4)
    return years, [(~years.between(low, high), f"är inget årtal (ett heltal {low}–{high})")]


def _numbers(raw: pd.Series, ctx: _Context) -> tuple[pd.Series, list[_Rule]]:
    # Swedish writing: decimal comma, (non-breaking) spaces between thousands, − as minus.
    text = raw.str.replace(r"\s", "", regex=True).str.replace("\u2212", "-", regex=False)
    comma = text.str.contains(",", regex=False) & ~text.str.contains(".", regex=False)
    text = text.mask(comma, text.str.replace(",", ".", regex=False))
    number = _fullmatch(text, _NUMBER)
    values = np.full(len(raw), np.nan)
    values[number] = text[number].to_numpy(dtype=object).astype(np.float64)  # float() each

    def not_a_number(i: int) -> str:
        hint = (
            " (skriv bara talet; enheten anges i kolumnen matt_enhet)" if "%" in raw.iat[i] else ""
        )
        return f"är inte ett tal{hint}"

    return pd.Series(values), [
        (~number, not_a_number),
        (~np.isfinite(values), "är ett för stort tal"),
    ]


def _yes_no(raw: pd.Series, ctx: _Context) -> tuple[pd.Series, list[_Rule]]:
    values = raw.str.lower().map(_BOOLEANS)
    return values, [(values.isna(), "ska vara ja eller nej")]


def _respondents(raw: pd.Series, ctx: _Context) -> tuple[pd.Series, list[_Rule]]:
    text = raw.str.replace(r"\s", "", regex=True)
    counts = _whole_numbers(text, len(str(MAX_RESPONDENTS)))  # also keeps it within Int64
    return counts, [
        (~_fullmatch(text, _DIGITS), "ska vara ett heltal, 0 eller större"),
        (~counts.le(MAX_RESPONDENTS), "är orimligt många svarande"),
    ]


def _text(raw: pd.Series, ctx: _Context) -> tuple[pd.Series, list[_Rule]]:
    return raw, []


# Column -> (parser, value when the cell is empty; _REQUIRED = the cell must be filled).
_Parser = Callable[[pd.Series, _Context], tuple[pd.Series, list[_Rule]]]
_REQUIRED = object()
_FIELDS: dict[str, tuple[_Parser, Any]] = {
    "matt_id": (_measure_ids, _REQUIRED),
    "namn": (_text, _REQUIRED),
    "omrade": (_areas, _REQUIRED),
    "kommun": (_municipalities, _REQUIRED),
    "ar": (_years, _REQUIRED),
    "varde": (_numbers, _REQUIRED),
    "hogre_ar_battre": (_yes_no, _REQUIRED),
    "svarande": (_respondents, None),
    "matt_enhet": (_text, ""),
}


@dataclass(frozen=True)
class _Column:
    """One column checked: its values (meaningful where `ok`) and its problems."""

    values: pd.Series
    ok: np.ndarray
    found: list[_Found]


def _check_column(column: str, raw: pd.Series, lines: np.ndarray, ctx: _Context) -> _Column:
    parse, default = _FIELDS[column]
    filled = raw.ne("").to_numpy()
    values, rules = _per_distinct_text(raw, parse, ctx)
    found, bad = _apply_rules(column, raw, lines, rules, checked=filled)
    if default is _REQUIRED:
        missing = _found(~filled, lines, lambda i: f"{column} saknas")
        return _Column(values, filled & ~bad, [missing, *found])
    return _Column(values.where(filled, default), ~bad, found)


def _per_distinct_text(
    raw: pd.Series, parse: _Parser, ctx: _Context
) -> tuple[pd.Series, list[_Rule]]:
    """`parse` run once per distinct text of the column (a file repeats most of them: areas,
    municipalities, years), its values and rules spread back to the rows."""
    codes, distinct = pd.factorize(raw)
    values, rules = parse(pd.Series(distinct, dtype=object), ctx)
    rows = [
        (np.asarray(mask, dtype=bool)[codes], _per_row(reason, codes)) for mask, reason in rules
    ]
    return pd.Series(values.to_numpy()[codes], dtype=values.dtype), rows


def _per_row(reason: _Reason, codes: np.ndarray) -> _Reason:
    if isinstance(reason, str):
        return reason
    return lambda i: reason(int(codes[i]))


def _apply_rules(
    column: str, raw: pd.Series, lines: np.ndarray, rules: list[_Rule], checked: np.ndarray
) -> tuple[list[_Found], np.ndarray]:
    """The problems of the `checked` cells and which cells have one."""
    found, bad = [], np.zeros(len(raw), dtype=bool)
    for mask, reason in rules:
        failed = np.asarray(mask, dtype=bool) & checked & ~bad
        bad |= failed
        found.append(_found(failed, lines, _wording(column, raw, reason)))
    return found, bad


def _wording(column: str, raw: pd.Series, reason: _Reason) -> Callable[[int], str]:
    def word(i: int) -> str:
        text = reason if isinstance(reason, str) else reason(i)
        return f"{column} {_quoted(raw.iat[i])} {text}"

    return word


def _check_units(
    raw: pd.Series, lines: np.ndarray, municipality: _Column, area: _Column, ctx: _Context
) -> _Column:
    """enhet: an OU id or an exact title within the row's municipality and area (checked only
    when both of them could be read). The value is the OU id, None for the whole municipality."""
    filled = raw.ne("").to_numpy()
    checked = filled & municipality.ok & area.ok
    if not checked.any():  # most files: no unit named, no unit index built
        return _Column(pd.Series(None, index=raw.index, dtype=object), ~filled, [])
    rows = _UnitRows(raw, municipality.values, area.values, ctx)
    titled = _units_by_title(raw, rows.owners, rows.prefixes, checked & ~rows.known, ctx.units)
    found, bad = _apply_rules("enhet", raw, lines, rows.rules(titled), checked)
    values = rows.ou_ids.where(rows.known, titled["first"]).where(filled, None)
    return _Column(values, ~filled | (checked & ~bad), found)


class _UnitRows:
    """The enhet cells looked up as OU ids, and the rules they are held to."""

    def __init__(self, raw: pd.Series, owners: pd.Series, areas: pd.Series, ctx: _Context):
        self.ctx, self.owners, self.areas = ctx, owners, areas
        self.prefixes = areas.map(ctx.ou_prefixes)
        upper, by_id = raw.str.upper(), ctx.units.by_id
        self.ou_ids, self.ou_owners = upper.map(by_id["ou_id"]), upper.map(by_id["owner"])
        self.known = self.ou_ids.notna().to_numpy()

    def rules(self, titled: pd.DataFrame) -> list[_Rule]:
        known, n_titled = self.known, titled["count"].to_numpy()
        other_owner = known & self.ou_owners.ne(self.owners).to_numpy()
        other_area = known & self.ou_ids.str[:3].str.upper().ne(self.prefixes).to_numpy()
        return [
            (other_owner, self._other_owner),
            (other_area, self._other_area),
            (~known & (n_titled > 1), lambda i: self._several(i, titled["key"].iat[i])),
            (~known & (n_titled == 0), self._unknown),
        ]

    def _where(self, i: int) -> str:
        label = self.ctx.areas[self.areas.iat[i]].label
        return f"{label} i {self.ctx.municipality_name(self.owners.iat[i])}"

    def _other_owner(self, i: int) -> str:
        owner = self.ctx.municipality_name(self.ou_owners.iat[i])
        return f"hör till {owner}, inte till {self._where(i)}"

    def _other_area(self, i: int) -> str:
        area = self.ctx.areas[self.areas.iat[i]]
        return f"är ingen enhet inom {area.label} ({area.ou_prefix}…)"

    def _several(self, i: int, key: str) -> str:
        ids = self.ctx.units.titled(self.owners.iat[i], self.prefixes.iat[i], key)
        return (
            f"är namnet på flera enheter inom {self._where(i)} ({', '.join(ids)}); "
            "ange enhetens Kolada-id i stället"
        )

    def _unknown(self, i: int) -> str:
        return (
            f"finns inte bland enheterna inom {self._where(i)}; ange enhetens Kolada-id "
            f"(t.ex. {self.prefixes.iat[i]}E…) eller exakta namn som i Kolada"
        )


def _units_by_title(
    raw: pd.Series, owners: pd.Series, prefixes: pd.Series, rows: np.ndarray, units: _Units
) -> pd.DataFrame:
    """For `rows`, the title `key` of `raw` and how many units within the row's municipality
    and area have it (`count`; 0 elsewhere) and the `first` of them."""
    pick = np.flatnonzero(rows)
    keys = [owners.iloc[pick], prefixes.iloc[pick], _title_keys(raw.iloc[pick])]
    matches = units.by_title.reindex(pd.MultiIndex.from_arrays(keys)).assign(key=keys[2].to_numpy())
    titled = matches.set_axis(raw.index[pick]).reindex(raw.index)
    return titled.assign(count=titled["count"].fillna(0))
