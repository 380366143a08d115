"""Write the next Alembic revision from the difference between catalogue/models.py and the migrations.

    python tools/new_migration.py "add a column for ..."

It upgrades a temporary SQLite database to the current head, autogenerates the
difference, and names the file with the next number. Read the result before
committing: autogenerate does not see everything (renames, data moves, triggers).
"""

import sys
import tempfile
from pathlib import Path

from alembic import command

from catalogue import db

message = " ".join(sys.argv[1:]) or "schema change"
versions = Path(db.MIGRATIONS) / "versions"
number = max(int(p.name[:4]) for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py")) + 1
with tempfile.TemporaryDirectory() as folder:
    engine = db.make_engine(f"sqlite:///{folder}/head.sqlite")
    db.upgrade(engine)
    cfg = db._alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.revision(cfg, message=message, autogenerate=True, rev_id=f"{number:04d}")
