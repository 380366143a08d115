"""Regenerate the initial Alembic revision from catalogue/models.py.

Only for use before the first release that ships a database: once a revision
has landed, schema changes get a new revision (`alembic revision --autogenerate`
through catalogue.db), never an edit of an old one.
"""

import tempfile
from pathlib import Path

from alembic import command

from catalogue import db

VERSIONS = Path(db.MIGRATIONS) / "versions"

for old in VERSIONS.glob("0001_*.py"):
    old.unlink()
with tempfile.TemporaryDirectory() as folder:
    engine = db.make_engine(f"sqlite:///{folder}/empty.sqlite")
    cfg = db._alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
