"""Alembic environment for the LRS's tables (lrs.db.LRSBase), version table alembic_version_lrs."""

from alembic import context

import lrs.sql.tables  # noqa: F401
from lrs.db import VERSION_TABLE, LRSBase, writer

engine = context.config.attributes["engine"]
with writer(engine).connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=LRSBase.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
