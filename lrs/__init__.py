"""Rollcall's xAPI Learning Record Store (xAPI 1.0.3 and 2.0.0).

Depends on no other package of ours: ``lrs.app.create_lrs_app()`` serves it alone.
The rest of Rollcall talks to it only through ``lrs.client`` and ``lrs.vocab``.
"""
