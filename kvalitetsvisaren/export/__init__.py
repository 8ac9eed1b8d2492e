"""Publication files: images (kaleido), CSV/Excel, the one-pager PDF, slides, the HTML
page. Imports present/ and below; never Dash."""
