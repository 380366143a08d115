"""Every user-controlled string the app shows through Markdown is escaped (catalogue.ui.markdown.escaped).

Two checks: every Streamlit call in ``catalogue/ui`` and ``app.py`` that renders Markdown is read (with
the ``ast`` module) and each value it interpolates must pass through ``escaped``; then the pages are run
with hostile URL parameters, records and import errors, and nothing they render may form a link, an
image, HTML or a Streamlit directive.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from catalogue import curation
from catalogue.drafts import ConstructDraft
from catalogue.ui.markdown import escaped

REPO = Path(__file__).resolve().parent.parent
UI_FILES = sorted((REPO / "catalogue" / "ui").glob("*.py")) + [REPO / "app.py"]

# Streamlit calls whose text is Markdown: name -> (positional arguments, keyword arguments) holding it.
BODY = ((0,), ("body",))
LABEL = ((0,), ("label",))
STREAMLIT_MARKDOWN = {
    **dict.fromkeys(("markdown", "caption", "title", "header", "subheader", "info", "success", "warning", "error",
                     "toast"), BODY),
    **dict.fromkeys(("expander", "metric", "button", "download_button", "link_button", "form_submit_button",
                     "checkbox", "toggle", "radio", "selectbox", "multiselect", "text_input", "text_area",
                     "number_input", "date_input", "time_input", "file_uploader", "slider", "select_slider",
                     "color_picker", "camera_input", "pills", "segmented_control", "feedback", "chat_input",
                     "popover", "status"), LABEL),
    "page_link": ((1,), ("label",)),
    "progress": ((1,), ("text",)),
    "spinner": ((0,), ("text",)),
    "write": ((0, 1, 2, 3, 4, 5), ()),
    "tabs": ((0,), ("tabs",)),
}
# The catalogue's own helpers that pass an argument on to such a call: their callers are checked, and
# inside them the parameter may be used as it is.
HELPER_SINKS = {
    "empty_state": ((0,), ("message",)),
    "saved": ((1,), ("message",)),
    "tile": ((1, 3), ("label", "help_text")),
    "_enrollment_tile": ((1, 4), ("label", "help_text")),
    "chart": ((), ("caption",)),
    "url_select": ((0,), ("label", "help_text")),
    "_search_box": ((0,), ("noun",)),
    "browse": ((), ("caption", "empty")),
    "back_button": ((0,), ("label",)),
}
SINKS = {**STREAMLIT_MARKDOWN, **HELPER_SINKS}
NUMERIC_SPEC = set("dfge%n,")


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def _is_escaped_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _called_name(node) in ("escaped", "len")


def _safe(node: ast.AST, allowed_names: set[str]) -> bool:
    """Whether ``node`` can only evaluate to Markdown that shows literally."""
    if isinstance(node, ast.Constant):
        return True
    if _is_escaped_call(node):
        return True
    if isinstance(node, ast.Name):  # a helper's Markdown parameter, text built as Markdown, or a CONSTANT
        return node.id in allowed_names or node.id.endswith("_markdown") or node.id.isupper()
    if isinstance(node, ast.Attribute):
        return node.attr.endswith("_markdown")
    if isinstance(node, ast.JoinedStr):
        return all(_safe_part(value, allowed_names) for value in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _safe(node.left, allowed_names) and _safe(node.right, allowed_names)
    if isinstance(node, ast.IfExp):
        return _safe(node.body, allowed_names) and _safe(node.orelse, allowed_names)
    if isinstance(node, (ast.List, ast.Tuple)):
        return all(_safe(element, allowed_names) for element in node.elts)
    if isinstance(node, ast.Call) and _called_name(node) == "join" and isinstance(node.func, ast.Attribute):
        if not _safe(node.func.value, allowed_names) or len(node.args) != 1:
            return False
        argument = node.args[0]
        if isinstance(argument, (ast.GeneratorExp, ast.ListComp)):
            return _safe(argument.elt, allowed_names)
        return _safe(argument, allowed_names)
    return False


def _safe_part(part: ast.AST, allowed_names: set[str]) -> bool:
    if isinstance(part, ast.Constant):
        return True
    assert isinstance(part, ast.FormattedValue)
    spec = part.format_spec
    if spec is not None and isinstance(spec, ast.JoinedStr):
        text = "".join(v.value for v in spec.values if isinstance(v, ast.Constant))
        if text and text[-1] in NUMERIC_SPEC:  # "{count:,}", "{share:.1f}": a number or a format error
            return True
    return _safe(part.value, allowed_names)


def _sink_arguments(call: ast.Call) -> list[ast.AST]:
    name = _called_name(call)
    found = [keyword.value for keyword in call.keywords if keyword.arg == "help"]
    if name in SINKS:
        positions, keywords = SINKS[name]
        found += [call.args[i] for i in positions if i < len(call.args)]
        found += [keyword.value for keyword in call.keywords if keyword.arg in keywords]
    return found


def unescaped_markdown(source: str, file_name: str) -> list[str]:
    """Each place of ``source`` where a Markdown-rendering call gets a value not passed through escaped()."""
    tree = ast.parse(source)
    problems = []

    def visit(node: ast.AST, allowed: set[str]) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in HELPER_SINKS:
            arguments = [a.arg for a in node.args.args + node.args.kwonlyargs]
            positions, keywords = HELPER_SINKS[node.name]
            allowed = allowed | {arguments[i] for i in positions if i < len(arguments)} | set(keywords)
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "unsafe_allow_html" and not (
                        isinstance(keyword.value, ast.Constant) and keyword.value.value is False):
                    problems.append(f"{file_name}:{node.lineno}: unsafe_allow_html")
            for argument in _sink_arguments(node):
                if not _safe(argument, allowed):
                    problems.append(f"{file_name}:{argument.lineno}: {_called_name(node)}({ast.unparse(argument)})")
        for child in ast.iter_child_nodes(node):
            visit(child, allowed)

    visit(tree, set())
    return problems


def test_every_markdown_call_of_the_app_escapes_what_it_interpolates():
    problems = []
    for path in UI_FILES:
        problems += unescaped_markdown(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))
    assert problems == [], "pass these values through catalogue.ui.markdown.escaped:\n" + "\n".join(problems)


def test_the_checker_finds_what_it_is_for():
    """The static check itself: unescaped values are found, escaped and literal ones pass."""
    bad = '''
st.warning(f"No construct named {name!r}")
st.error(str(error))
left.caption(f"{report.file}: done")
st.expander(f"Preview: {file.name}")
st.button("Go", help=note)
st.tabs(["A", title])
st.markdown(text, unsafe_allow_html=True)
widgets.empty_state(message)
saves.saved("slot", f"Saved {name}")
'''
    good = '''
st.warning(f"No construct named {escaped(name)}")
st.error(widgets.escaped(str(error)))
st.caption(f"{count:,} rows, {len(rows)} shown, {share:.1f}%")
st.caption(" · ".join(escaped(v) for v in values))
st.title("Trials")
st.success(message_markdown)
st.progress(0.5, text="Importing " + escaped(name))
def empty_state(message):
    st.info(message, icon=":material/info:")
'''
    assert len(unescaped_markdown(bad, "bad.py")) == 10
    assert unescaped_markdown(good, "good.py") == []


# --- the pages, rendered with hostile values ---------------------------------------------------------------

PHISHING = "[Session expired - sign in here](https://example.org/login)"
HOSTILE_VALUES = [PHISHING, "![x](https://example.org/pixel.png)", "<img src=x onerror=alert(1)>", "<script>x</script>",
                  ":red[alarm] :material/warning:", "www.example.org", "*bold* _it_ `code` $x^2$"]
MARKDOWN = MarkdownIt("commonmark", {"html": True})


def _rendered_markdown(at) -> list[str]:
    """The Markdown source of every element that renders Markdown on the page just run."""
    sources = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "success", "warning", "error",
                 "toast"):
        sources += [element.value for element in getattr(at, kind)]
    sources += [e.label for e in at.expander] + [t.label for t in at.tabs]
    for kind in ("button", "selectbox", "text_input", "radio", "checkbox", "multiselect", "number_input"):
        sources += [element.label for element in getattr(at, kind)]
    return sources


def assert_literal(source: str) -> None:
    html = MARKDOWN.render(source)
    assert "<a " not in html and "<img" not in html and "<script" not in html, source
    assert "https://example.org" not in source and "www.example.org" not in source, source
    assert ":red[" not in source and ":material/warning:" not in source, source


def test_escaped_values_render_as_their_text():
    for value in HOSTILE_VALUES:
        source = escaped(value)
        assert_literal(source)
        text = MARKDOWN.renderInline(source)
        assert "example.org" in text or value.startswith(("<", ":", "*"))  # the words stay readable


@pytest.fixture
def hostile_catalogue(tmp_path):
    from catalogue import db

    url = f"sqlite:///{tmp_path / 'catalogue.sqlite'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    operator = curation.local_operator()
    curation.load_demo(engine, operator)
    curation.save_construct(engine, operator, ConstructDraft(name=PHISHING, targets=["CD19"], status=PHISHING,
                                                             notes=PHISHING))
    yield url, engine
    engine.dispose()


@pytest.mark.parametrize("page, param", [("Constructs", "name"), ("Trials", "id"), ("Targets", "symbol"),
                                         ("Constructs", "status"), ("Trials", "sponsor"), ("Audit", "kind")])
def test_hostile_url_parameters_never_become_links(hostile_catalogue, monkeypatch, page, param):
    from app_support import open_app, open_tab, visit

    url, _ = hostile_catalogue
    at = open_app(monkeypatch, url).run()
    for value in HOSTILE_VALUES:
        visit(at, page, **{param: value})
        for source in _rendered_markdown(at):
            assert_literal(source)


def test_a_hostile_record_and_a_hostile_import_error_show_as_text(hostile_catalogue, monkeypatch):
    from app_support import open_app, open_tab, visit

    url, _ = hostile_catalogue
    at = open_app(monkeypatch, url).run()
    visit(at, "Constructs", name=PHISHING)
    assert any("Session expired" in source for source in _rendered_markdown(at))  # the page is the construct's
    for source in _rendered_markdown(at):
        assert_literal(source)
    open_tab(visit(at, "Curate"), "Trials")
    at.file_uploader(key="trial_files").set_value([(f"{PHISHING}.csv", b"NCTId,BriefTitle\n", "text/csv")]).run()
    at.button(key="import_trials").click().run()
    errors = [e.value for e in at.error]
    assert errors and any("missing required column" in e for e in errors), errors
    for source in _rendered_markdown(at):
        assert_literal(source)
    open_tab(at, "Sequences")
    at.file_uploader(key="sequence_files").set_value([(f"{PHISHING}.fasta", b">x\nACGT!!\n", "text/plain")]).run()
    assert [e.value for e in at.error if "IUPAC" in e.value or "not" in e.value]
    for source in _rendered_markdown(at):
        assert_literal(source)
