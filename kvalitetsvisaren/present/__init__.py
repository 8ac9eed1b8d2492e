"""Plotly figures as plain data and charts as view models (figure, data, alt text).
Imports service/ and below; plotly, never Dash."""
