"""The catalogue's browser: `streamlit run app.py`.

Only a router: it opens the database, works out who is visiting, and offers
the pages in ``catalogue/ui/`` (Curate only to curators and admins). The
database is $CATALOGUE_DATABASE_URL, else ./data/catalogue.sqlite; with no
accounts in it the visitor acts as the local operator (see catalogue/ui/identity.py).
"""

from __future__ import annotations

import streamlit as st

from catalogue.db import SchemaOutOfDate
from catalogue.ui import identity, store
from catalogue.ui.markdown import escaped

# The page icon is an emoji, which the browser draws itself: a ":material/...:" icon is fetched from Google's
# font server on every first view (and fails without internet access).
st.set_page_config(page_title="CAR/TCR construct catalogue", page_icon="🧬", layout="wide")

try:
    store.engine()
except SchemaOutOfDate as error:
    st.error(escaped(str(error)))
    st.stop()
except Exception as error:  # a database that cannot be opened: say which, without a traceback
    st.error(f"Cannot open the catalogue database {escaped(store.database_url().split('@')[-1])}: "
             f"{escaped(error.__class__.__name__)}")
    st.stop()

visitor = identity.current_visitor()
st.session_state["visitor"] = visitor

pages = {
    "Browse": [
        st.Page("catalogue/ui/portfolio.py", title="Portfolio", icon=":material/dashboard:", default=True),
        st.Page("catalogue/ui/targets.py", title="Targets", icon=":material/target:", url_path="targets"),
        st.Page("catalogue/ui/constructs.py", title="Constructs", icon=":material/genetics:", url_path="constructs"),
        st.Page("catalogue/ui/trials.py", title="Trials", icon=":material/clinical_notes:", url_path="trials"),
        st.Page("catalogue/ui/compare.py", title="Compare", icon=":material/compare:", url_path="compare"),
        st.Page("catalogue/ui/changes.py", title="What changed", icon=":material/difference:", url_path="changes"),
    ],
    "Records": [st.Page("catalogue/ui/audit.py", title="Audit", icon=":material/history:", url_path="audit")],
}
if visitor.can_curate:
    pages["Records"].insert(
        0, st.Page("catalogue/ui/curate.py", title="Curate", icon=":material/edit_note:", url_path="curate")
    )

page = st.navigation(pages)
identity.sidebar(visitor)
page.run()
