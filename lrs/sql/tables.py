"""Every LRS table module, imported so that LRSBase.metadata is complete."""

from lrs import completions, projections  # noqa: F401
from lrs.sql import activities, attachments, credentials, documents, statements  # noqa: F401
