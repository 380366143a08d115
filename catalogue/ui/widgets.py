"""Small building blocks the pages share: values, tiles, charts with downloads, URL-backed filters."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from catalogue import read
from catalogue.charts import plotly_config
from catalogue.ui import store
from catalogue.ui.markdown import escaped  # noqa: F401  (pages call widgets.escaped; defined in ui/markdown.py)
from catalogue.vocabulary import NOT_RECORDED

ANY = "Any"


def shown(value: Any, unit: str = "") -> str:
    """A value for display: ``None`` (and NA) is "not recorded", never 0."""
    if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)):
        return NOT_RECORDED
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else NOT_RECORDED
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}{unit}".replace(",", "\u2009")
    return f"{value}{unit}"


def tile(column, label: str, value: Any, help_text: str) -> None:
    column.metric(label, shown(value), help=help_text, border=True)


def facts(rows: Sequence[tuple[str, Any]], *, key: str) -> None:
    """Label/value pairs as a two-column table (values rendered as text)."""
    frame = pd.DataFrame({"Field": [r[0] for r in rows], "Value": [shown(r[1]) for r in rows]})
    st.dataframe(frame, hide_index=True, width="stretch", key=key,
                 column_config={"Field": st.column_config.TextColumn(width=190),
                                "Value": st.column_config.TextColumn(width="large")})


def chart(figure: go.Figure, data: pd.DataFrame, name: str, *, caption: str | None = None) -> None:
    """A Plotly chart (PNG download from its toolbar) with its data as a CSV download below."""
    st.plotly_chart(figure, config=plotly_config(name), width="stretch", key=f"chart_{name}")
    left, right = st.columns([5, 1], vertical_alignment="center")
    if caption:
        left.caption(caption)
    right.download_button(  # the CSV is made when the button is clicked, not on every run and first view
        "CSV", lambda: data.to_csv(index=False).encode("utf-8"), file_name=f"{name}.csv", mime="text/csv",
        key=f"csv_{name}", icon=":material/download:", on_click="ignore", help="Download this chart's data",
    )


def url_select(
    label: str,
    options: Sequence[Any],
    param: str,
    *,
    format_func: Callable[[Any], str] = str,
    container=st,
    help_text: str | None = None,
    any_label: str = ANY,
) -> Any | None:
    """A select box whose choice lives in the URL (``?param=value``); "Any" (no parameter) means no filter."""
    choices = [ANY, *options]
    key = f"filter_{param}"
    wanted = st.query_params.get(param)
    if key not in st.session_state:
        by_text = {str(o): o for o in options}
        st.session_state[key] = by_text.get(wanted, ANY) if wanted is not None else ANY
    elif st.session_state[key] not in choices:
        st.session_state[key] = ANY
    value = container.selectbox(
        label, choices, key=key, format_func=lambda v: any_label if v == ANY else format_func(v), help=help_text
    )
    if value == ANY:
        if param in st.query_params:
            del st.query_params[param]
        return None
    if st.query_params.get(param) != str(value):
        st.query_params[param] = str(value)
    return value


def facet_filters(facets: Sequence[Any], values: dict[str, Any], *, per_row: int) -> dict[str, Any]:
    """One URL-backed select box per facet (:class:`catalogue.read.Facet`), ``per_row`` to a row, offering
    ``values`` (a facet's choices; a dict gives each choice's words). A changed filter goes back to page 1.
    Returns {facet key: chosen value or None}."""
    before = {facet.key: st.query_params.get(facet.key) for facet in facets}
    filters: dict[str, Any] = {}
    for first in range(0, len(facets), per_row):
        for column, facet in zip(st.columns(per_row), facets[first:first + per_row]):
            options = values[facet.key]
            filters[facet.key] = url_select(escaped(facet.label), list(options), facet.key, container=column,
                                            format_func=options.get if isinstance(options, dict) else str)
    if any(before[key] != (str(value) if value is not None else None) for key, value in filters.items()):
        reset_page()
    return filters


def url_int(param: str, default: int) -> int:
    """An integer from the URL, or ``default`` when absent or not a number."""
    try:
        return int(st.query_params.get(param, default))
    except (TypeError, ValueError):
        return default


def pager(total: int, *, param: str = "page", sizes: Sequence[int] = (25, 50, 100)) -> tuple[int, int]:
    """Page controls (page number in the URL): returns (limit, offset)."""
    left, middle, right = st.columns([1, 1, 3], vertical_alignment="bottom")
    size_key = f"{param}_size"
    if size_key not in st.session_state:
        wanted = url_int("size", sizes[0])
        st.session_state[size_key] = wanted if wanted in sizes else sizes[0]
    size = left.selectbox("Rows per page", sizes, key=size_key)
    pages = max(1, -(-total // size))
    page_key = f"{param}_number"
    if page_key not in st.session_state or st.session_state[page_key] > pages:
        st.session_state[page_key] = min(max(1, url_int(param, 1)), pages)
    # a select box (typing a number finds the page), as the filters beside it: no number input's script to load
    page = middle.selectbox(f"Page (of {pages:,})", range(1, pages + 1), key=page_key)
    for name, value, default in ((param, page, 1), ("size", size, sizes[0])):
        if value == default:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != str(value):
            st.query_params[name] = str(value)
    first = (page - 1) * size
    right.caption(f"{total:,} matching · showing {min(total, first + 1) if total else 0:,}–{min(total, first + size):,}")
    return size, first


def reset_page(param: str = "page") -> None:
    """Go back to page 1 (after a filter changed)."""
    st.session_state.pop(f"{param}_number", None)
    if param in st.query_params:
        del st.query_params[param]


def empty_state(message: str) -> None:
    st.info(message, icon=":material/info:")


PICKER_LIMIT = 200


def _search_box(noun: str, key: str, container) -> str | None:
    term = container.text_input(f"Find a {noun}", key=f"{key}_find", placeholder=f"part of the {noun}'s name",
                                help=f"Lists at most {PICKER_LIMIT} {noun}s; type to narrow the list.")
    return term.strip() or None


def construct_options(key: str, *, container=st) -> list[str]:
    """Construct names for a picker: every construct when they fit in it (the picker filters as one types), else
    at most PICKER_LIMIT, matching a search box shown above it. Without the box a page's first view has one
    widget kind fewer for the browser to fetch (Compare, Curate)."""
    every = read.construct_names(store.engine(), limit=PICKER_LIMIT + 1)
    if len(every) <= PICKER_LIMIT:
        return every
    return read.construct_names(store.engine(), search=_search_box("construct", key, container), limit=PICKER_LIMIT)


def trial_options(key: str, *, container=st) -> dict[str, str | None]:
    """Registry IDs with titles for a picker: at most PICKER_LIMIT, matching a search box shown above it."""
    return read.trial_choices(store.engine(), search=_search_box("trial", key, container), limit=PICKER_LIMIT)


def back_button(label: str, param: str) -> None:
    """A button back to the table a record's page was opened from: it drops ``param`` from the address."""
    if st.button(label, icon=":material/arrow_back:", type="tertiary"):
        del st.query_params[param]
        st.rerun()


def live(model: Any, missing: str) -> bool:
    """Whether a record's read model is there and not archived; if not, a warning: ``missing`` (what was
    asked for) is not in the catalogue, or is archived."""
    if model is not None and model.archived_at is None:
        return True
    st.warning(f"{escaped(missing)} in the catalogue" + (" (it is archived)." if model is not None else "."))
    return False
