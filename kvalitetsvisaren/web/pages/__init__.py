"""Dash Pages: each module registers one page, returns a cheap skeleton from `layout` and owns
the thin callback that fills it from the service."""
