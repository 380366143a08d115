"""The Streamlit app's pages and widgets. Only this package and ``app.py`` import Streamlit.

Pages are thin scripts: they read through :mod:`catalogue.ui.store` (cached
:mod:`catalogue.read`), draw with :mod:`catalogue.charts` and
:mod:`catalogue.ui.widgets`, and write only through :mod:`catalogue.curation`.
"""
