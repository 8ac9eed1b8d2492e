"""What each level shows, built from the service as Dash components (no callbacks here).

The pages call these: `header` in their layout (navigation is cheap), the `*_content`
functions from their one content callback. Colours come from the service's rankings.
"""

from __future__ import annotations

from .area import area_content as area_content
from .header import LEVELS as LEVELS
from .header import folded as folded
from .header import header as header
from .header import municipality_options as municipality_options
from .header import year_options as year_options
from .kpi import chart_table as chart_table
from .kpi import group_content as group_content
from .kpi import group_controls as group_controls
from .kpi import kpi_charts as kpi_charts
from .kpi import kpi_summary_content as kpi_summary_content
from .kpi import opened_chart as opened_chart
from .links import area_downloads as area_downloads
from .links import onepager_link as onepager_link
from .links import overview_deck_link as overview_deck_link
from .overview import overview_content as overview_content
from .overview import units_link as units_link
from .overview import year_notes as year_notes
