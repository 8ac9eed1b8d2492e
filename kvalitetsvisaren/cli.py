"""Command line: `kvalitetsvisaren serve | sync | info`.

Exit codes: 0 ok, 1 Kolada failed (nothing changed), 2 bad input (config, data dir, arguments).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .paths import BUNDLED_SNAPSHOT, DEFAULT_CONFIG, ROOT

DATA_ENV = "KVALITETSVISAREN_DATA"
DEFAULT_SYNC_OUT = ROOT / "data" / "kolada"

log = logging.getLogger("kvalitetsvisaren")


def _data_dir(arg: str | None) -> Path:
    return Path(arg or os.environ.get(DATA_ENV) or BUNDLED_SNAPSHOT)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kvalitetsvisaren", description="Kvalitetsvisaren: kvalitet i kommunens välfärd."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the dashboard")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8050)
    serve.add_argument(
        "--data", help=f"store directory (default: ${DATA_ENV} or the bundled snapshot)"
    )
    serve.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    serve.add_argument("--debug", action="store_true", help="Dash debug mode (development only)")

    sync = sub.add_parser("sync", help="fetch the configured KPIs from Kolada into a store")
    sync.add_argument("--base-url", default="https://api.kolada.se/v3")
    sync.add_argument(
        "--out", help=f"store directory to replace (default: ${DATA_ENV} or {DEFAULT_SYNC_OUT})"
    )
    sync.add_argument("--years", default="2010-2024", help="e.g. 2010-2024 or 2021,2022")
    sync.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    sync.add_argument("--cache-dir", help="HTTP cache directory (default: no cache)")
    sync.add_argument("--concurrency", type=int, default=4)
    sync.add_argument("--rate-limit", type=float, default=20.0, help="requests per second")
    sync.add_argument("--timeout", type=float, default=30.0)
    sync.add_argument("--max-retries", type=int, default=4)
    sync.add_argument("--quiet", action="store_true", help="no progress bar")

    export = sub.add_parser(
        "export", help="write every chart of a municipality as images, data and alt texts"
    )
    export.add_argument("--kommun", required=True, help="municipality code, e.g. 0883")
    export.add_argument("--ar", type=int, help="year (default: the latest with data)")
    export.add_argument("--area", action="append", help="area id; repeat for several (default all)")
    export.add_argument("--format", default="png", help="png,png-tryck,svg,pdf (comma-separated)")
    export.add_argument("--out", required=True, type=Path, help="directory to write (replaced)")
    export.add_argument("--data", help=f"store directory (default: ${DATA_ENV} or the snapshot)")
    export.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    export.add_argument("--quiet", action="store_true", help="no progress bar")

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
    from .config import ConfigError
    from .kolada import KoladaError
    from .service import UnknownError
    from .store import StoreError

    commands = {"serve": _serve, "sync": _sync, "export": _export, "info": _info}
    try:
        return commands[args.command](args)
    except (ConfigError, StoreError, ValueError, UnknownError) as exc:
        print(f"kvalitetsvisaren: {exc}", file=sys.stderr)
        return 2
    except KoladaError as exc:
        print(f"kvalitetsvisaren: hämtningen misslyckades, inget ändrades: {exc}", file=sys.stderr)
        return 1


def _serve(args: argparse.Namespace) -> int:
    from .config import load_config
    from .factory import create_app
    from .store import load_store

    config = load_config(args.config)
    store = load_store(_data_dir(args.data))
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
    app = create_app(store, config)
    app.run(host=args.host, port=args.port, debug=args.debug)
    return 0


def _sync(args: argparse.Namespace) -> int:
    from .config import load_config
    from .kolada import KoladaClient
    from .sync import parse_years, sync

    config = load_config(args.config)
    years = parse_years(args.years)
    out = Path(args.out or os.environ.get(DATA_ENV) or DEFAULT_SYNC_OUT)
    if out.resolve() == BUNDLED_SNAPSHOT.resolve():
        raise ValueError(f"{out} is the bundled snapshot; sync into another directory")
    with KoladaClient(
        args.base_url,
        cache_dir=args.cache_dir,
        timeout=args.timeout,
        max_retries=args.max_retries,
        concurrency=args.concurrency,
        rate_limit=args.rate_limit,
    ) as client:
        store = sync(client, config, out, years, progress=not args.quiet)
        log.info("%d requests, %d cache hits", client.stats.requests, client.stats.cache_hits)
    print(json.dumps(store.summary(), ensure_ascii=False, indent=2))
    return 0


def _export(args: argparse.Namespace) -> int:
    from .config import load_config
    from .export import export_all
    from .service import IndicatorService
    from .store import load_store

    svc = IndicatorService(load_store(_data_dir(args.data)), load_config(args.config))
    year = args.ar or svc.years()[0]
    areas = [a for group in args.area or [] for a in group.split(",") if a]
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    result = export_all(svc, args.kommun, year, areas, formats, args.out, progress=not args.quiet)
    print(f"{result.charts} diagram, {result.files} filer i {result.path} (se manifest.json)")
    return 0


def _info(args: argparse.Namespace) -> int:
    from .store import load_store

    print(json.dumps(load_store(_data_dir(args.data)).summary(), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
