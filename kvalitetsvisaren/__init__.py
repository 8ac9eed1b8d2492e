"""Kvalitetsvisaren: national quartile dashboard for Swedish municipal welfare services."""

__version__ = "0.1.0"
