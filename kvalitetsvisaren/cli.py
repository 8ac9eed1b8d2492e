"""Command line: `kvalitetsvisaren serve | sync | export | info`.

Exit codes: 0 ok, 1 Kolada failed (nothing changed), 2 bad input (config, data dir, arguments),
130 interrupted (Ctrl-C or SIGTERM; nothing changed).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from .data.freshness import DEFAULT_MAX_AGE_DAYS
from .paths import BUNDLED_SNAPSHOT, DEFAULT_CONFIG, ROOT
from .wsgi import DEFAULT_RELOAD_SECONDS, ENV_LOCAL, Settings, build_app

DATA_ENV = "KVALITETSVISAREN_DATA"
DEFAULT_SYNC_OUT = ROOT / "data" / "kolada"

log = logging.getLogger("kvalitetsvisaren")


def _data_dir(arg: str | None) -> Path:
    return Path(arg or os.environ.get(DATA_ENV) or BUNDLED_SNAPSHOT)


def _local_dir(arg: Path | None, data: Path | None) -> Path | None:
    """--local, else $KVALITETSVISAREN_LOCAL, else (given the data directory) "local" beside
    it; None leaves the choice to Settings."""
    if arg or os.environ.get(ENV_LOCAL):
        return Path(arg or os.environ[ENV_LOCAL])
    return data.parent / "local" if data is not None else None


class _SwedishHelp(argparse.HelpFormatter):
    """argparse's help with a Swedish "usage:" line."""

    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups, "användning: " if prefix is None else prefix)


# argparse's own messages (Python 3.11-3.13) in Swedish, most specific first
_ARGPARSE_SWEDISH = (
    (r"the following arguments are required: (.*)", r"de här argumenten krävs: \1"),
    (r"unrecognized arguments: (.*)", r"okända argument: \1"),
    (r"argument (\S+): expected one argument", r"argumentet \1 behöver ett värde"),
    (r"argument (\S+): invalid int value: (.*)", r"argumentet \1 ska vara ett heltal, inte \2"),
    (
        r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)",
        r"argumentet \1: \2 finns inte; välj bland \3",
    ),
    (r"ambiguous option: (\S+) could match (.*)", r"flaggan \1 är tvetydig: den kan vara \2"),
    (r"argument (\S+): (.*)", r"argumentet \1: \2"),
)


def _swedish_message(message: str) -> str:
    for pattern, replacement in _ARGPARSE_SWEDISH:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, replacement, message)
    return message


def _swedish(parser: argparse.ArgumentParser) -> None:
    """Help and error messages of `parser` in Swedish (argparse writes English): the usage
    line, the heading of the flags, -h and the errors argparse raises itself."""
    parser.formatter_class = _SwedishHelp
    parser._optionals.title = "flaggor"
    parser._positionals.title = "argument"
    if not parser.add_help:
        parser.add_argument(
            "-h", "--help", action="help", help="visa den här hjälptexten och avsluta"
        )

    def error(message: str) -> NoReturn:
        parser.print_usage(sys.stderr)
        parser.exit(2, f"{parser.prog}: fel: {_swedish_message(message)}\n")

    parser.error = error  # type: ignore[method-assign]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kvalitetsvisaren",
        description="Kvalitetsvisaren: kvalitet i kommunens välfärd.",
        add_help=False,
    )
    _swedish(parser)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the dashboard")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8050)
    serve.add_argument(
        "--data", help=f"store directory (default: ${DATA_ENV} or the bundled snapshot)"
    )
    serve.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    serve.add_argument(
        "--local",
        type=Path,
        help="folder of own measures and targets (default: $KVALITETSVISAREN_LOCAL or "
        "'local' beside the data directory)",
    )
    serve.add_argument("--debug", action="store_true", help="Dash debug mode (development only)")
    serve.add_argument(
        "--prod", action="store_true", help="production: gunicorn with several workers"
    )
    serve.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="with --prod")
    serve.add_argument("--threads", type=int, default=4, help="threads per worker, with --prod")
    serve.add_argument(
        "--max-age-days",
        type=float,
        default=DEFAULT_MAX_AGE_DAYS,
        help="data older than this gets a banner on every page",
    )
    serve.add_argument(
        "--reload-check",
        type=float,
        default=DEFAULT_RELOAD_SECONDS,
        help="seconds between looks for newly synced data",
    )
    serve.add_argument(
        "--frame-ancestors",
        default="'self'",
        help="sites allowed to embed the pages, e.g. \"'self' https://www.kommunen.se\"",
    )

    sync = sub.add_parser("sync", help="fetch the configured KPIs from Kolada into a store")
    sync.add_argument("--base-url", default="https://api.kolada.se/v3")
    sync.add_argument(
        "--out", help=f"store directory to replace (default: ${DATA_ENV} or {DEFAULT_SYNC_OUT})"
    )
    sync.add_argument("--years", default="2010-2024", help="e.g. 2010-2024 or 2021,2022")
    sync.add_argument(
        "--from-date",
        help="only values changed since YYYY-MM-DD, or 'last' (since the day before the "
        "previous sync), merged into the existing store",
    )
    sync.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    sync.add_argument("--cache-dir", help="HTTP cache directory (default: no cache)")
    sync.add_argument("--concurrency", type=int, default=5, help="requests in flight")
    sync.add_argument(
        "--rate-limit",
        type=float,
        default=5.0,
        help="requests per second (default 5; 0 = no limit, for a local stand-in only)",
    )
    sync.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="seconds to connect, and to wait for a metadata answer (default 30)",
    )
    sync.add_argument(
        "--data-timeout",
        type=float,
        default=180.0,
        help="seconds to wait for a data answer (default 180); a query that keeps timing "
        "out is split in smaller ones",
    )
    sync.add_argument("--max-retries", type=int, default=4)
    sync.add_argument("--quiet", action="store_true", help="no progress bar")

    export = sub.add_parser(
        "export",
        help="skriv alla diagram för en kommun som bilder, data och alternativtexter, och "
        "presentationer",
        description="Skriver alla diagram för en kommun och ett år: bilder, data (CSV, Excel), "
        "alternativtexter, en sida per område för nämnden och manifest.json.",
        add_help=False,
    )
    _swedish(export)
    export.add_argument("--kommun", required=True, help="kommunkod, t.ex. 0883")
    export.add_argument("--ar", type=int, help="år (standard: det senaste med uppgifter)")
    export.add_argument(
        "--area", action="append", help="område; upprepa för flera (standard: alla)"
    )
    export.add_argument(
        "--format",
        default="png",
        help="png,png-tryck,svg,pdf för varje diagram (områdets rutor först); pptx lägger "
        "till en presentation per område; html översikten som en fristående webbsida "
        "(kommaseparerade; pptx eller html ensamma: bara de)",
    )
    export.add_argument(
        "--out",
        required=True,
        type=Path,
        help="ny eller tom mapp, eller en mapp med en tidigare export (ersätts helt)",
    )
    export.add_argument(
        "--data", help=f"datakatalog (standard: ${DATA_ENV} eller den medföljande ögonblicksbilden)"
    )
    export.add_argument(
        "--config", type=Path, default=DEFAULT_CONFIG, help="konfigurationsfil (YAML)"
    )
    export.add_argument("--local", type=Path, help="mapp med egna mått och mål")
    export.add_argument("--quiet", action="store_true", help="ingen förloppsindikator")

    info = sub.add_parser("info", help="show what a store directory holds")
    info.add_argument("--data", help=f"store directory (default: ${DATA_ENV} or the snapshot)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for chatty in ("kaleido", "choreographer"):  # they log every browser start and stop
        logging.getLogger(chatty).setLevel(logging.WARNING)
    from .config.models import ConfigError
    from .data.store import StoreError
    from .kolada import KoladaError
    from .service.records import UnknownError

    commands = {"serve": _serve, "sync": _sync, "export": _export, "info": _info}
    try:
        return commands[args.command](args)
    except (ConfigError, StoreError, ValueError, UnknownError) as exc:
        print(f"kvalitetsvisaren: {exc}", file=sys.stderr)
        return 2
    except KoladaError as exc:
        print(f"kvalitetsvisaren: hämtningen misslyckades, inget ändrades: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kvalitetsvisaren: avbruten; inget ändrades", file=sys.stderr)
        return 130


def _serve(args: argparse.Namespace) -> int:
    from . import memory
    from .startup import load_checked
    from .web.factory import warm_up
    from .web.security import check_frame_ancestors

    settings = Settings(
        data=_data_dir(args.data),
        config=args.config,
        max_age_days=args.max_age_days,
        frame_ancestors=check_frame_ancestors(args.frame_ancestors),
        reload_seconds=args.reload_check,
        local=_local_dir(args.local, None),
    )
    # Load and check here first, so that a bad store, config or local folder is one clear
    # message, also in production before any worker starts.
    store, config = load_checked(settings.data, settings.config, settings.local_folder)
    summary = store.summary()
    log.info(
        "Data: %s (%s, hämtad %s): %d nyckeltal, %d kommuner, %d enheter",
        summary["path"],
        summary["source"],
        summary["fetched_at"],
        summary["kpis"],
        summary["municipalities"],
        summary["units"],
    )
    if args.prod:
        if args.debug:
            raise ValueError("--debug går inte med --prod (felsökningsläge visar källkod)")
        return _exec_gunicorn(args, settings)
    # on this computer only, the person at it may save uploads without a key
    app = build_app(
        settings, store, config, open_upload=args.host in ("127.0.0.1", "localhost", "::1")
    )
    del store  # the service keeps a compact copy of it
    warm_up()  # as in production (wsgi.create): the first reader does not pay the lazy imports
    memory.give_back()
    app.run(host=args.host, port=args.port, debug=args.debug)
    return 0


def gunicorn_command(host: str, port: int, workers: int, threads: int) -> list[str]:
    """gunicorn loading the app once (--preload) and forking workers that share it."""
    if workers < 1 or threads < 1:
        raise ValueError("--workers och --threads ska vara minst 1")
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--preload",
        "--worker-class",
        "gthread",
        f"--workers={workers}",
        f"--threads={threads}",
        f"--bind={bind}",
        "--no-control-socket",
        "--keep-alive=30",  # readers pause between clicks; keep their connections open
        "--access-logfile=-",
        "kvalitetsvisaren.wsgi:create()",
    ]


def _exec_gunicorn(args: argparse.Namespace, settings: Settings) -> int:
    command = gunicorn_command(args.host, args.port, args.workers, args.threads)
    log.info("Startar: %s", " ".join(command))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, command, {**os.environ, **settings.to_env()})
    return 0  # not reached: exec replaces this process


def _sync(args: argparse.Namespace) -> int:
    from .config.loader import load_config
    from .kolada import KoladaClient
    from .sync import parse_years, sync

    config = load_config(args.config)
    years = parse_years(args.years)
    out = Path(args.out or os.environ.get(DATA_ENV) or DEFAULT_SYNC_OUT)
    if out.resolve() == BUNDLED_SNAPSHOT.resolve():
        raise ValueError(f"{out} is the bundled snapshot; sync into another directory")
    # A cron job's kill (SIGTERM) ends the sync like Ctrl-C: recorded as interrupted, old data kept
    previous_handler = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with KoladaClient(
            args.base_url,
            cache_dir=args.cache_dir,
            timeout=args.timeout,
            data_timeout=args.data_timeout,
            max_retries=args.max_retries,
            concurrency=args.concurrency,
            rate_limit=args.rate_limit,
        ) as client:
            store = sync(
                client, config, out, years, progress=not args.quiet, from_date=args.from_date
            )
            stats = client.stats
            log.info(
                "%d requests, %d cache hits, %d queries split",
                stats.requests,
                stats.cache_hits,
                stats.splits,
            )
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
    print(json.dumps(store.summary(), ensure_ascii=False, indent=2))
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _export(args: argparse.Namespace) -> int:
    from .export.batch import check_output_folder, check_request, export_all
    from .local.layer import load_local
    from .service.facade import IndicatorService
    from .startup import load_checked

    check_output_folder(Path(args.out))  # a refused folder is said before seconds of loading
    data = _data_dir(args.data)
    local_dir = _local_dir(args.local, data)
    store, config = load_checked(data, args.config, local_dir)
    areas = [a for group in args.area or [] for a in group.split(",") if a]
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    check_request(config, store.municipalities, args.kommun, areas, formats)  # before the build
    local = load_local(local_dir, config, store)
    for name, why in local.rejected.items():
        print(f"kvalitetsvisaren: {name} används inte: {why}", file=sys.stderr)
    svc = IndicatorService(store, config, local=local)
    year = args.ar or svc.years()[0]
    result = export_all(svc, args.kommun, year, areas, formats, args.out, progress=not args.quiet)
    print(f"{result.charts} diagram, {result.files} filer i {result.path} (se manifest.json)")
    return 0


def _info(args: argparse.Namespace) -> int:
    from .data.store import load_store

    print(json.dumps(load_store(_data_dir(args.data)).summary(), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
