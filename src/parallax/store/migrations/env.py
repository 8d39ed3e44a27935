"""Alembic environment: migrations always run on the connection `Store.open()` hands over.

That connection already holds the writer lock inside an open transaction, so concurrent
openers of a fresh database migrate it exactly once and a failed migration leaves nothing.
"""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("parallax migrations run through parallax.store.Store.open()")

context.configure(connection=connection)
with context.begin_transaction():
    context.run_migrations()
