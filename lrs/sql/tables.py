"""Every LRS table module, imported so that LRSBase.metadata is complete."""

from lrs.sql import credentials, documents, statements  # noqa: F401
