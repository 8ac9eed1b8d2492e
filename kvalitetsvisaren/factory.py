"""create_app(store, config) -> Dash. Until the dashboard pages exist, one status page shows
which data is loaded."""

from __future__ import annotations

from dash import Dash, html

from .config import AppConfig
from .paths import ASSETS
from .store import Store


def create_app(store: Store, config: AppConfig) -> Dash:
    app = Dash(
        "kvalitetsvisaren",
        title="Kvalitetsvisaren",
        assets_folder=str(ASSETS),
        update_title=None,
    )
    summary = store.summary()
    app.layout = html.Main(
        [
            html.H1("Kvalitetsvisaren"),
            html.P(
                "Kvalitet i hemtjänst, särskilt boende och grundskola jämfört med landets kommuner."
            ),
            html.H2("Inläst data"),
            html.Dl(_data_rows(summary, config), id="data-status"),
            html.P(
                f"Källa: Kolada (RKA), hämtad {summary['fetched_at'] or 'okänt datum'}.",
                className="source-line",
            ),
        ],
        lang="sv",
    )
    return app


def _data_rows(summary: dict, config: AppConfig) -> list:
    years = summary["years"]
    ou_years = summary["ou_years"]
    rows = [
        ("Källa", "Medföljande ögonblicksbild" if summary["source"] == "snapshot" else "Kolada"),
        ("Hämtad", summary["fetched_at"] or "okänt"),
        ("Nyckeltal", f"{summary['kpis']} av {len(config.kpi_ids())} konfigurerade"),
        ("Kommuner", str(summary["municipalities"])),
        ("Enheter", str(summary["units"])),
        ("År (kommuner)", f"{years[0]}–{years[1]}" if years else "inga"),
        ("År (enheter)", f"{ou_years[0]}–{ou_years[1]}" if ou_years else "inga"),
        ("Katalog", summary["path"] or "–"),
    ]
    out: list = []
    for term, value in rows:
        out += [html.Dt(term), html.Dd(value, **{"data-field": term})]
    return out
