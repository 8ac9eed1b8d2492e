"""The URL state, read in one place. Every page, every content callback and every download
turns its path segments and query into a `View` (a valid state of the data served) or an
`Explanation` (Swedish: what is wrong, with links to the nearest valid views) through
`read_view` / `read_export`.

Decided here and nowhere else: repeated parameters (a list where one value belongs),
non-ASCII digits ("²", "٠٨٨٣", full width), huge values, unknown codes, and codes of the wrong
kind (Riket, a region, a group, a unit of another municipality or area, also among the units
compared). Unknown query parameters are ignored (a link from a newsletter may carry
utm_source). Pure: no Dash, no Flask.
"""

from __future__ import annotations

from .model import AREA as AREA
from .model import DOCUMENT_FORMATS as DOCUMENT_FORMATS
from .model import EMBED_AREA as EMBED_AREA
from .model import EMBED_OVERVIEW as EMBED_OVERVIEW
from .model import EMBED_PATHS as EMBED_PATHS
from .model import EMBEDS as EMBEDS
from .model import EXPORT_KINDS as EXPORT_KINDS
from .model import KEEP_ON_MUNICIPALITY as KEEP_ON_MUNICIPALITY
from .model import KEEP_ON_YEAR as KEEP_ON_YEAR
from .model import KPI as KPI
from .model import MAX_COMPARE as MAX_COMPARE
from .model import MAX_GROUP as MAX_GROUP
from .model import MAX_LENGTH as MAX_LENGTH
from .model import MAX_REPEATS_LINKED as MAX_REPEATS_LINKED
from .model import MAX_SEARCH as MAX_SEARCH
from .model import OVERVIEW as OVERVIEW
from .model import OWN as OWN
from .model import PATHS as PATHS
from .model import UNITS as UNITS
from .model import UPLOAD as UPLOAD
from .model import Explanation as Explanation
from .model import ExportView as ExportView
from .model import Raw as Raw
from .model import View as View
from .read import embed_url as embed_url
from .read import example_segments as example_segments
from .read import match_path as match_path
from .read import read_export as read_export
from .read import read_view as read_view
from .words import urls_for as urls_for
