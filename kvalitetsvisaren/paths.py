"""Default locations inside the repository checkout (computed, never read at import)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config" / "indicators.yaml"
BUNDLED_SNAPSHOT = ROOT / "data" / "snapshot"
ASSETS = ROOT / "assets"
