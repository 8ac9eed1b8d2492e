"""Every chart of the dashboard as one object: the figure, the data it plots (Swedish column
names with units), a Swedish alt text, and the file name it is published under. The pages
show these; the export renders them. No Dash here.

Kinds and their parameters (all take kommun and ar):

    matt        area, measure   the measure's KPIs against Riket (level 2)
    spridning   area, kpi       every municipality, cuts, Riket, mean (level 2:2)
    grupp       area, kpi, grupp  the comparison group (level 2:2)
    utveckling  area, kpi       the last ten years against Riket (level 2:2)
    kon         area, kpi       women and men (level 2:2)
    enheter     area, kpi (jamfor)  the municipality's best and worst units, and the chosen
                                    ones (level 2:3)
    enhet       area, kpi, enhet  one unit over the years, beside the municipality and Riket
    rutor       area            the area's level-1 tiles: each quality measure's colour, icon,
                                word and place (level 1)

The KPI charts of level 2:2 are drawn for the page's area (its comparison group, whether the
KPI is coloured there, the file name); an export URL without `area` gets the first area that
lists the KPI, as the page does for a URL without `omrade`.
    lokal-utveckling  matt (enhet)  an own measure over the years, with its targets
    lokal-enheter     matt          an own measure, the municipality's units compared
"""

from __future__ import annotations

from .chart import KINDS as KINDS
from .chart import Chart as Chart
from .chart import group_members as group_members
from .chart import slugify as slugify
from .every import all_charts as all_charts
from .every import build as build
from .national import gender as gender
from .national import group as group
from .national import measure as measure
from .national import spread as spread
from .national import tile_rows as tile_rows
from .national import tiles as tiles
from .national import trend as trend
from .own import own_trend as own_trend
from .own import own_units as own_units
from .units import reference_note as reference_note
from .units import unit as unit
from .units import units as units
