"""Engine and session factories for PostgreSQL through asyncpg; what counts as the database being away, and what
as a write it refuses for its data."""

from __future__ import annotations

import asyncpg
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def async_url(url: str) -> str:
    """Accept `postgresql://` or `postgres://` URLs and name the asyncpg driver."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError("the database URL must start with postgresql://")


def create_engine(url: str, *, pool_size: int = 10, pre_ping: bool = True) -> AsyncEngine:
    """A pooled engine. `pre_ping` tests each connection as it leaves the pool (one round trip per checkout).

    The worker turns it off: its statements run in activities, which Temporal retries, so a connection that
    died in the pool costs one failed attempt (SQLAlchemy then discards the pool's older connections) instead
    of a round trip on every step. Connections are recycled after 30 minutes either way.
    """
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=pre_ping,
        pool_recycle=1800,
        # Errors never quote the parameters: they hold a loan's whole state and people's names.
        hide_parameters=True,
        connect_args={"timeout": 5, "server_settings": {"timezone": "Asia/Shanghai"}},
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine) -> None:
    """Raise if PostgreSQL does not answer a trivial query."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


# SQLSTATE classes and codes that say "not now" rather than "never": the connection failed or was closed by a
# shutdown or failover, the server is starting, too many connections, a serialization failure or deadlock.
_TRANSIENT_SQLSTATE_PREFIXES = ("08", "57P", "53300", "40001", "40P01")
# What a query or a connection attempt raises when PostgreSQL is down, restarting or unreachable.
TRANSIENT_DATABASE_ERRORS: tuple[type[Exception], ...] = (
    sa_exc.DBAPIError,
    sa_exc.TimeoutError,  # no connection free in the pool in time
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    ConnectionError,  # refused or reset before SQLAlchemy wraps anything
    TimeoutError,  # connecting took longer than the connect timeout
)


def is_transient_database_error(error: BaseException) -> bool:
    """True when `error` (or what caused it) means PostgreSQL was unreachable or went away, so that the same
    request may succeed later: the API answers 503 instead of 500, activities are retried."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, sa_exc.TimeoutError | ConnectionError | TimeoutError | asyncpg.InterfaceError):
            return True
        if isinstance(current, asyncpg.exceptions.ConnectionDoesNotExistError | asyncpg.PostgresConnectionError):
            return True
        sqlstate = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_TRANSIENT_SQLSTATE_PREFIXES):
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


# Errors of the data itself: the same write would fail again, so it is not retried. PostgreSQL says so by its
# SQLSTATE class: 22 (data exception: a character it cannot store, a number out of range) or 23 (integrity).
_DATA_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.DataError,
    sa_exc.IntegrityError,
    asyncpg.DataError,
    asyncpg.IntegrityConstraintViolationError,
    UnicodeError,
    ValueError,
)
_DATA_SQLSTATE_CLASSES = ("22", "23")
# The one integrity error that is a race, not bad data: two writers took the same timeline seq (the later retries).
_RACE_CONSTRAINTS = frozenset({"uq_loan_event_seq"})


def _chain(error: BaseException) -> list[BaseException]:
    """The error and what it wraps (SQLAlchemy's `orig`, then the driver's own exception)."""
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in found:
        found.append(current)
        current = getattr(current, "orig", None) or current.__cause__
    return found


def _constraint(error: BaseException) -> str | None:
    names = [getattr(e, "constraint_name", None) for e in _chain(error)]
    return next((name for name in names if isinstance(name, str)), None)


def _is_data_error(error: BaseException) -> bool:
    for each in _chain(error):
        sqlstate = getattr(each, "sqlstate", None)
        if isinstance(each, _DATA_ERRORS) or (isinstance(sqlstate, str) and sqlstate[:2] in _DATA_SQLSTATE_CLASSES):
            return True
    return False


def refused_as_data(error: BaseException) -> bool:
    """True when PostgreSQL refused a write for its data (the same write would fail again), not for a race."""
    return _is_data_error(error) and _constraint(error) not in _RACE_CONSTRAINTS
