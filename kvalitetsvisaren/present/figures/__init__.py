"""Pure: view frames -> plotly figures. No Dash. Colour is never the only cue: every quartile
also has its own marker symbol and a legend word, and the charts have table alternatives."""

from __future__ import annotations

from .base import CHART_TEMPLATE as CHART_TEMPLATE
from .base import COLOURS as COLOURS
from .base import FOCUS as FOCUS
from .base import FONT as FONT
from .base import GRID as GRID
from .base import LOCAL as LOCAL
from .base import RIKET as RIKET
from .base import SYMBOLS as SYMBOLS
from .base import TARGET as TARGET
from .base import Figure as Figure
from .base import annotate as annotate
from .base import draw as draw
from .base import for_browser as for_browser
from .base import plotly_figure as plotly_figure
from .local import own_trend_figure as own_trend_figure
from .local import own_units_figure as own_units_figure
from .local import units_figure as units_figure
from .national import gender_figure as gender_figure
from .national import group_figure as group_figure
from .national import measure_figure as measure_figure
from .national import strip_figure as strip_figure
from .national import trend_figure as trend_figure
from .tiles import TILE_FILL as TILE_FILL
from .tiles import TILE_LEGEND as TILE_LEGEND
from .tiles import add_tiles as add_tiles
from .tiles import tiles_figure as tiles_figure
