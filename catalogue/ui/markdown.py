"""User-controlled text made safe for Streamlit's Markdown: :func:`escaped`, the one way to show it.

Streamlit renders Markdown (links, images, emphasis, ``:material/icons:``, ``:red[colour]``, LaTeX,
bare URLs) in ``st.markdown``, ``st.caption``, ``st.title``/``header``/``subheader``,
``st.info``/``success``/``warning``/``error``/``toast``, ``st.progress(text=...)``, and in the labels and
``help`` of widgets, buttons, expanders, tabs, metrics and page links. Any value there that comes from
a record, a file, a URL parameter, an error message or a person goes through :func:`escaped`::

    st.warning(f"No construct named {escaped(name)} in the catalogue.")
    st.error(escaped(str(error)))

so that ``?name=[Session expired](https://example.org/login)`` shows as that text, never as a link.
Literal strings written in the code, numbers with a format spec (``{count:,}``) and ``len(...)`` need no
escaping. Plain-text elements (``st.text``, ``st.code``, ``st.dataframe`` cells, select-box options)
need none either. ``tests/test_markdown_escaping.py`` checks every such call in ``catalogue/ui`` and
``app.py``, and renders the pages with hostile values; a helper that passes its argument on to one of
these calls is listed there as a Markdown sink too (e.g. :func:`catalogue.ui.widgets.empty_state`).
"""

from __future__ import annotations

import re
from typing import Any

# Every ASCII punctuation character CommonMark lets a backslash escape, among them Streamlit's own
# markers (":" of :icons: and :colour[...], "$" of LaTeX) and the "." and ":" of bare URLs and addresses;
# "<", ">" and "&" become character references, so no HTML tag or entity can form either.
_MARKDOWN_SPECIAL = re.compile(r"""[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]""")
_REFERENCES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def escaped(value: Any) -> str:
    """``value`` as text that Markdown shows literally, on one line.

    Every Markdown punctuation character is backslash-escaped (``<``, ``>`` and ``&`` become ``&lt;``,
    ``&gt;`` and ``&amp;``, so no HTML is formed), and line breaks and runs of white space become one
    space, so no heading, list, quote, table or code block can start inside it.
    """
    text = " ".join(str(value).split())
    return _MARKDOWN_SPECIAL.sub(lambda m: _REFERENCES.get(m.group(), "\\" + m.group()), text)
