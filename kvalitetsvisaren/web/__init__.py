"""The Dash app: factory, routes, security headers, URL state, components, views, pages.
The only package that imports Dash and Flask (with the entry points)."""
