"""/ladda-upp: an administrator adds own measures (lokala mått) from a CSV or Excel file.

The file is checked first and every problem shown with its line; nothing of a bad file is
used. Saving writes it into the local folder (all workers pick it up) and needs the upload
key the server was started with, unless the app only listens on this computer.
"""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html

from ...local.own_rules import MAX_BYTES, OWN_COLUMNS, OwnMeasuresError
from .. import ids, pagekit, upload_auth
from ..runtime import Runtime, get_runtime, get_service
from ..urls import Params, own_url
from ..viewstate import UPLOAD

TEMPLATE_URL = "/ladda-upp/mall.csv"
COLUMNS_HELP = {
    "matt_id": "måttets id, t.ex. familj-nojd (a–z, 0–9, - och _)",
    "namn": "namnet som visas",
    "omrade": "område, t.ex. hemtjanst",
    "kommun": "kommunkod med fyra siffror, t.ex. 0883",
    "enhet": "enhetens Kolada-id eller namn; tomt = hela kommunen",
    "ar": "år",
    "varde": "ett tal, t.ex. 85,5",
    "hogre_ar_battre": "ja eller nej",
    "svarande": "antal svarande (frivilligt)",
    "matt_enhet": "t.ex. % eller antal (frivilligt)",
}

dash.register_page(
    __name__, path="/ladda-upp", name="Egna mått", order=6, title="Egna mått – Kvalitetsvisaren"
)


def layout(**arguments: str) -> html.Div:
    runtime = get_runtime()
    content = [
        html.H1("Lägg till egna mått"),
        html.P(
            "Kommunens egna mätningar, t.ex. en enhets årliga brukarenkät, visas bredvid "
            "Koladas nyckeltal, märkta ”Lokal uppgift”. De jämförs inte med landet och "
            "färgsätts inte. Filen kontrolleras först; innehåller den fel används ingenting ur "
            "den och varje fel visas med sitt radnummer.",
            className="intro",
        ),
        html.P(
            [
                "En rad per värde, CSV (UTF-8) eller Excel (.xlsx), högst ",
                f"{MAX_BYTES // (1024 * 1024)} MB. ",
                html.A("Ladda ner en mall", href=TEMPLATE_URL, download=""),
                " med exempelrader.",
            ]
        ),
        html.Details(
            [
                html.Summary("Kolumner"),
                html.Table(
                    [
                        html.Thead(html.Tr([html.Th("Kolumn"), html.Th("Innehåll")])),
                        html.Tbody(
                            [
                                html.Tr([html.Td(html.Code(c)), html.Td(COLUMNS_HELP[c])])
                                for c in OWN_COLUMNS
                            ]
                        ),
                    ],
                    className="data-table",
                ),
            ],
            className="definition",
        ),
        dcc.Upload(
            id=ids.UPLOAD,
            children=html.Div(["Dra hit en fil eller ", html.U("välj en fil")]),
            className="upload-zone",
            multiple=False,
        ),
        dcc.Store(id=ids.UPLOAD_FILE),
        html.Div(id=ids.UPLOAD_RESULT, role="status"),
        *_save_controls(runtime),
        _folder_status(runtime),
    ]
    return pagekit.page(UPLOAD, arguments, content, "ladda-upp-params")


def _save_controls(runtime: Runtime) -> list:
    if runtime.local_path is None or not (runtime.upload_key or runtime.open_upload):
        return [
            html.P(
                "Att spara filer är avstängt på den här servern. Du kan kontrollera en fil här; "
                "administratören lägger den sedan i mappen för lokala uppgifter.",
                className="notice",
            ),
            dcc.Input(id=ids.UPLOAD_KEY, type="hidden", value=""),
            html.Button("Spara filen", id=ids.UPLOAD_SAVE, disabled=True),
        ]
    key = (
        [
            html.Label("Uppladdningsnyckel", htmlFor=ids.UPLOAD_KEY),
            dcc.Input(id=ids.UPLOAD_KEY, type="password", autoComplete="off"),
        ]
        if runtime.upload_key
        else [dcc.Input(id=ids.UPLOAD_KEY, type="hidden", value="")]
    )
    return [html.Div([*key, html.Button("Spara filen", id=ids.UPLOAD_SAVE)], className="save")]


def _folder_status(runtime: Runtime) -> html.Section:
    local = runtime.service.local
    files = sorted(set(local.measures["source"]))
    items = [html.Li(f"{name}: används") for name in files]
    items += [
        html.Li([f"{name}: används inte:", html.Pre(why)]) for name, why in local.rejected.items()
    ]
    return html.Section(
        [
            html.H2("Filer i mappen för lokala uppgifter"),
            html.Ul(items) if items else html.P("Inga filer ännu."),
        ],
        className="local-files",
    )


def _problems(exc: OwnMeasuresError) -> html.Div:
    return html.Div(
        [
            html.P(f"Filen {exc.filename} används inte. Rätta felen och ladda upp den igen:"),
            html.Ul([html.Li(line) for line in str(exc).splitlines()], className="upload-errors"),
        ],
        className="upload-failed",
    )


def _accepted(rows, p: Params, saved: bool) -> html.Div:
    measures = rows.drop_duplicates("measure_id")
    years = f"{rows['year'].min()}–{rows['year'].max()}"
    units = int(rows["ou_id"].notna().sum())
    head = "Filen är sparad och visas nu." if saved else "Filen är godkänd. Tryck på Spara filen."
    links = [
        html.Li(
            dcc.Link(m.label, href=own_url(m.measure_id, p.with_(municipality=m.municipality_id)))
        )
        if saved
        else html.Li(m.label)
        for m in measures.itertuples()
    ]
    return html.Div(
        [
            html.P(head),
            html.P(f"{len(rows)} värden ({units} för enheter), år {years}, mått:"),
            html.Ul(links),
        ],
        className="upload-ok",
    )


# In the browser, before anything is sent: a file over the limit gets its message at once
# (the server would refuse the request whole, MAX_CONTENT_LENGTH, and say nothing).
clientside_callback(
    f"""
    function(contents, filename) {{
        if (!contents) {{ return [null, window.dash_clientside.no_update]; }}
        var data = contents.slice(contents.indexOf(",") + 1);
        var bytes = Math.floor(data.length * 3 / 4);
        if (bytes > {MAX_BYTES}) {{
            var mb = (bytes / 1048576).toFixed(1).replace(".", ",");
            return [null, {{
                namespace: "dash_html_components", type: "P",
                props: {{className: "upload-failed", children: "Filen " + filename +
                    " är för stor (" + mb + " MB); högst {MAX_BYTES // (1024 * 1024)} MB går " +
                    "att läsa in. Dela upp den i flera filer."}}
            }}];
        }}
        return [{{contents: contents, filename: filename}}, "Filen kontrolleras …"];
    }}
    """,
    Output(ids.UPLOAD_FILE, "data"),
    Output(ids.UPLOAD_RESULT, "children", allow_duplicate=True),
    Input(ids.UPLOAD, "contents"),
    State(ids.UPLOAD, "filename"),
    prevent_initial_call=True,
)


@callback(
    Output(ids.UPLOAD_RESULT, "children"),
    Input(ids.UPLOAD_FILE, "data"),
    Input(ids.UPLOAD_SAVE, "n_clicks"),
    State(ids.UPLOAD_KEY, "value"),
    prevent_initial_call=True,
)
def check_or_save(file: dict | None, _clicks: int | None, key: object = None):
    contents = file.get("contents") if isinstance(file, dict) else None
    if not isinstance(contents, str) or not contents:
        if ctx.triggered_id != ids.UPLOAD_SAVE:  # a file refused in the browser: it said why
            return dash.no_update
        return html.P("Välj en fil först.", className="notice")
    svc = get_service()
    outcome = upload_auth.check_or_save(
        get_runtime(),
        contents,
        file.get("filename"),
        saving=ctx.triggered_id == ids.UPLOAD_SAVE,
        key=key,
        request=upload_auth.SaveRequest.current(),
    )
    if outcome.problems is not None:
        return _problems(outcome.problems)
    if outcome.refused:
        return html.P(outcome.refused, className="upload-failed")
    if outcome.failed:
        return html.P(
            "Filen kunde inte sparas på servern; felet är loggat.", className="upload-failed"
        )
    p = Params(svc.config.default_municipality, svc.years()[0])
    return _accepted(outcome.rows, p, saved=outcome.saved)
