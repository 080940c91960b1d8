"""Agent links carry the statement's verb: agent+verb queries read it from the link itself.

Revision ID: l0008_agent_link_verb
Revises: l0007_statement_rowid

A query for a learner's statements with a verb (and, most often, a course) walks the
learner's agent links in sequence order and had to look each statement's verb up: at a
million statements ~2,000 links per learner, one probe of the verb index each
(bench/README.md, session 5). With the verb on the link the check costs nothing more:

- SQLite: the link table stays WITHOUT ROWID, keyed ``(ifi, sequence, relation)``; the
  verb is one more column of the same B-tree entry. The table is rebuilt with the verb
  copied from each link's statement.
- PostgreSQL: the primary key index INCLUDEs the verb, so an index-only scan of the
  learner's links sees it without visiting the heap. The table is rebuilt the same way
  (one pass, rather than an UPDATE of every row and the dead tuples it leaves).

A link whose statement is missing (none are written so, but a hand-edited database may
hold some) keeps an empty verb: it matches no verb filter, as before.
"""

from __future__ import annotations

from alembic import op

revision = "l0008_agent_link_verb"
down_revision = "l0007_statement_rowid"
branch_labels = None
depends_on = None

TABLE = "lrs_statement_agent"
KEY = "ifi, sequence, relation"


def _rebuild(*, verb: bool) -> None:
    """Rebuild the agent link table with or without the verb column, keeping every link."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    verb_column = ", verb_iri TEXT NOT NULL" if verb else ""
    include = " INCLUDE (verb_iri)" if verb and not sqlite else ""
    # PostgreSQL's constraint (and index) names are unique in the schema: renamed below.
    constraint = f"pk_{TABLE}" if sqlite else f"pk_{TABLE}_new"
    op.execute(
        f"CREATE TABLE {TABLE}_new (ifi TEXT NOT NULL, relation VARCHAR(16) NOT NULL, sequence BIGINT NOT NULL"
        f"{verb_column}, CONSTRAINT {constraint} PRIMARY KEY ({KEY}){include})"
        + (" WITHOUT ROWID" if sqlite else "")
    )
    if verb:
        op.execute(
            f"INSERT INTO {TABLE}_new (ifi, relation, sequence, verb_iri)"
            f" SELECT link.ifi, link.relation, link.sequence, COALESCE(statement.verb_iri, '')"
            f" FROM {TABLE} AS link LEFT JOIN lrs_statement AS statement ON statement.sequence = link.sequence"
        )
    else:
        op.execute(f"INSERT INTO {TABLE}_new (ifi, relation, sequence) SELECT ifi, relation, sequence FROM {TABLE}")
    op.execute(f"DROP TABLE {TABLE}")
    op.execute(f"ALTER TABLE {TABLE}_new RENAME TO {TABLE}")
    if not sqlite:
        op.execute(f"ALTER TABLE {TABLE} RENAME CONSTRAINT pk_{TABLE}_new TO pk_{TABLE}")


def upgrade() -> None:
    _rebuild(verb=True)


def downgrade() -> None:
    _rebuild(verb=False)
