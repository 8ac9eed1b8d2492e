"""The embeddable views (issue 17): the overview or one area as the full views show it, made
fit for an iframe on the municipality's own website. No header or pickers; a link "Se mer i
Kvalitetsvisaren" to the full view with the same parameters.

Inside the frame only embeddable views open (the overview's tiles lead to the embedded area);
every other link opens the full view in a new tab, outside the frame, since the full views
refuse to be framed (security.py). The upload of own measures is not offered here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dash import dcc, html

from ..service.facade import IndicatorService
from . import pagekit
from .components import explanation, source_line
from .pagekit import stale_banner
from .viewstate import PATHS, UPLOAD, Explanation, View, embed_url, urls_for

MORE_TEXT = "Se mer i Kvalitetsvisaren"
NEW_TAB = " (öppnas i en ny flik)"


def layout(
    route: str,
    arguments: Mapping[str, Any],
    content: list,
    params_id: str,
    *,
    segment_id: str | None = None,
) -> html.Div:
    """An embed page's layout for the URL (pagekit.page with the embed's own shell): the
    view's skeleton, or the explanation the full view gives (the page's ids kept, hidden)."""
    return pagekit.page(
        route,
        arguments,
        content,
        params_id,
        segment_id=segment_id,
        shell=page,
        explained=_explained,
    )


def _explained(svc: IndicatorService, why: Explanation) -> html.Div:
    shown = html.Main(
        for_embed(explanation(why.message, list(why.links))),
        id="main",
        **{"data-status": why.status},
    )
    return html.Div([*stale_banner(), shown], className="embed-page")


def render(route: str, data: Any, build: Callable[[IndicatorService, View], Any], **kw: Any) -> Any:
    """An embed page's content callback: the full view's (pagekit.render), its links made fit
    for the frame."""
    return for_embed(pagekit.render(route, data, build, **kw))


def page(svc: IndicatorService, view: View, content: list, params_id: str) -> html.Div:
    """The embedded page: a bar with the link to the full view, the content, the source."""
    p = view.params
    bar = html.P(
        [
            html.Span("Kvalitetsvisaren", className="embed-brand"),
            " ",
            more_link(view),
        ],
        className="embed-bar",
    )
    return html.Div(
        [
            bar,
            *stale_banner(),
            html.Main(
                [*content, source_line(p.year, svc.store.vintage("values"))],
                id="main",
                tabIndex="-1",
            ),
            dcc.Store(id=params_id, data=view.query()),
        ],
        className="embed-page",
    )


def more_link(view: View) -> html.A:
    return new_tab_link([MORE_TEXT], urls_for(view), className="embed-more")


def new_tab_link(children: Any, href: str, **attributes: Any) -> html.A:
    hidden = html.Span(NEW_TAB, className="visually-hidden")
    children = children if isinstance(children, list) else [children]
    return html.A([*children, hidden], href=href, target="_blank", rel="noopener", **attributes)


def for_embed(tree: Any) -> Any:
    """A view's components with its links made fit for the frame: a link to a view that has
    an embeddable form stays in the frame (its embedded URL), any other opens in a new tab;
    a link to the upload page is left out."""
    if isinstance(tree, list | tuple):
        kept = [for_embed(c) for c in tree]
        return [c for c in kept if c is not None]
    if isinstance(tree, dcc.Link):
        return _link(tree)
    if _links_to_upload(tree):
        return None
    children = getattr(tree, "children", None)
    if children is not None and not isinstance(children, str | int | float):
        tree.children = for_embed(children)
    return tree


def _link(link: dcc.Link) -> Any:
    href = link.href or ""
    attributes = {
        name: getattr(link, name)
        for name in ("className", "title")
        if getattr(link, name, None) is not None
    }
    children = for_embed(link.children) if link.children is not None else href
    inside = embed_url(href)
    if inside is not None:
        return dcc.Link(children, href=inside, **attributes)
    return new_tab_link(children, href, **attributes)


def _links_to_upload(component: Any) -> bool:
    """A paragraph whose only content is the link to the upload page (the overview's)."""
    if not isinstance(component, html.P):
        return False
    children = component.children
    link = children[0] if isinstance(children, list) and len(children) == 1 else children
    return isinstance(link, dcc.Link) and (link.href or "").startswith(PATHS[UPLOAD])
