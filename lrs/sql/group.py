"""Group commit: the writes that one process's threads make at the same time share one transaction.

Every write transaction holds the writers' lock (SQLite's writers' queue, PostgreSQL's
advisory lock and statement counter row) until its COMMIT has reached the disk, so
writers that arrive while one commits can only queue. Here they queue in the process instead: the first
writer becomes the leader, takes the writers' lock, and then runs every write waiting at
that moment, each in its own SAVEPOINT, and commits them all at once; each waiting thread
gets its own result or its own error. Nothing is acknowledged before the COMMIT that
holds it, and a write that fails (400, 409, a refusing rule) rolls back to its savepoint
alone. This is the group commit of PostgreSQL's commit_delay and of databases generally,
done where the writers are.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")
#: PostgreSQL serialization failure and deadlock: the transaction may simply be run again.
RETRY_SQLSTATES = frozenset({"40001", "40P01"})
#: At most this many writes share one transaction.
MAX_GROUP = 32


def retryable(exc: DBAPIError) -> bool:
    """A serialization failure, a deadlock, or SQLite's lock timeout: the transaction may run again."""
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code in RETRY_SQLSTATES or "database is locked" in str(exc.orig)


#: Runs a group's writes in the session's transaction: one outcome per write, its result or
#: the exception that refused it alone. An exception it raises fails the whole group.
Execute = Callable[[Session, list[Any]], list[Any]]


def in_savepoints(session: Session, works: list[Callable[[Session], Any]]) -> list[Any]:
    """The default ``Execute``: each write is a function of the session, run in a SAVEPOINT of its own."""
    if len(works) == 1:
        return [works[0](session)]  # an error rolls the whole (one-write) transaction back
    outcomes: list[Any] = []
    for work in works:
        savepoint = session.begin_nested()
        try:
            outcomes.append(work(session))
        except DBAPIError as exc:
            if retryable(exc):
                raise  # the whole group runs again
            savepoint.rollback()
            outcomes.append(exc)
        except Exception as exc:  # noqa: BLE001 (the write's own error, given back to its thread)
            savepoint.rollback()
            outcomes.append(exc)
        else:
            savepoint.commit()
    return outcomes


class _Write(Generic[T]):
    """One thread's write, waiting for its group."""

    __slots__ = ("work", "woken", "finished", "value", "error")

    def __init__(self, work: Any) -> None:
        self.work = work
        self.woken = threading.Event()
        self.finished = False
        self.value: Any = None
        self.error: BaseException | None = None

    def outcome(self) -> T:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[no-any-return]


class CommitGroup:
    """Runs writes in shared transactions (see the module docstring)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        lock: Callable[[Session], Any] | None = None,
        execute: Execute = in_savepoints,
        attempts: int = 5,
    ) -> None:
        """``lock(session)`` takes the writers' lock at the start of a transaction, before the group is chosen,
        so that the writes arriving while the leader waits for it join its group; ``execute`` runs a group."""
        self._sessions = sessions
        self._execute = execute
        self._lock = lock or (lambda session: session.connection())
        self._attempts = attempts
        self._mutex = threading.Lock()
        self._pending: list[_Write[Any]] = []
        self._busy = False

    def waiting(self) -> int:
        """How many writes wait for a group now."""
        with self._mutex:
            return len(self._pending)

    def run(self, work: Any) -> Any:
        """Run one write (for the default ``execute``, a function of the session) in a transaction, maybe
        shared; its result once committed, or its error."""
        write: _Write[Any] = _Write(work)
        with self._mutex:
            self._pending.append(write)
            lead = not self._busy
            self._busy = True
        if not lead:
            write.woken.wait()
        if not write.finished:  # first, or handed the lead by the last leader
            self._lead()
        return write.outcome()

    def _lead(self) -> None:
        """Commit one group, then hand the lead to the oldest write still waiting, if any."""
        try:
            self._commit_group()
        finally:
            with self._mutex:
                if self._pending:
                    successor = self._pending[0]
                    successor.woken.set()
                else:
                    self._busy = False

    def _commit_group(self) -> None:
        group: list[_Write[Any]] = []
        error: BaseException | None = None
        for attempt in range(1, self._attempts + 1):
            try:
                with self._sessions.begin() as session:
                    self._lock(session)  # wait for the writers' turn before choosing the group
                    group = group or self._take()
                    for write in group:
                        write.error = None
                    self._run_all(session, group)
                error = None
                break
            except DBAPIError as exc:
                error = exc
                if attempt < self._attempts and retryable(exc):
                    time.sleep(0.01 * attempt)
                    continue
                break
            except BaseException as exc:
                error = exc
                break
        group = group or self._take()
        if error is not None:
            self._fail(group, error)
        for write in group:
            write.finished = True
            write.woken.set()

    def _take(self) -> list[_Write[Any]]:
        """The writes waiting now (the leader's own among them), oldest first."""
        with self._mutex:
            group, self._pending = self._pending[:MAX_GROUP], self._pending[MAX_GROUP:]
        return group

    def _run_all(self, session: Session, group: list[_Write[Any]]) -> None:
        outcomes = self._execute(session, [write.work for write in group])
        for write, outcome in zip(group, outcomes, strict=True):
            write.error, write.value = (outcome, None) if isinstance(outcome, BaseException) else (None, outcome)

    @staticmethod
    def _fail(group: list[_Write[Any]], exc: BaseException) -> None:
        """The transaction itself failed: every write of the group that had not failed on its own fails with it."""
        for write in group:
            if write.error is None:
                write.error = exc
