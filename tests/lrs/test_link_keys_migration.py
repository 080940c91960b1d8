"""Migration l0006 (link tables keyed in query order, partial target index) keeps every link, both ways."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from lrs.db import MIGRATIONS, create_engine

#: The agent link columns at head (l0008 added the verb).
COLUMNS = "(ifi, relation, sequence, verb_iri)"
LINKS = [("mbox:mailto:a@example.org", "actor", 1), ("mbox:mailto:a@example.org", "authority", 1), ("x", "object", 2)]


def _config(engine: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def _links(engine: Any) -> list[tuple[str, str, int]]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT ifi, relation, sequence FROM lrs_statement_agent ORDER BY 3, 2"))
        return [tuple(row) for row in rows]


def test_link_tables_keep_their_rows_down_to_l0005_and_up_again(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            for row in LINKS:
                connection.execute(text(f"INSERT INTO lrs_statement_agent {COLUMNS} VALUES (:i, :r, :s, '')"), dict(zip("irs", row)))
        command.downgrade(_config(engine), "l0005_statement_referrers")
        assert _links(engine) == LINKS
        command.upgrade(_config(engine), "head")
        assert _links(engine) == LINKS
        with engine.begin() as connection:  # the key is (ifi, sequence, relation): one link per relation
            connection.execute(text(f"INSERT INTO lrs_statement_agent {COLUMNS} VALUES ('x', 'actor', 2, '')"))
        assert len(_links(engine)) == len(LINKS) + 1
    finally:
        engine.dispose()
