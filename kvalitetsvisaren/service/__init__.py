"""View-ready frames: every national ranking computed once per data version, then
lookups (IndicatorService). Imports everything below it, never Dash."""
