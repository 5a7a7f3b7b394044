"""Connecting to the store. Every dialect-specific detail lives in this module."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from qualcode.errors import StoreError

DEFAULT_DB = ".qualcode/qualcode.db"


def default_url(root: Path) -> str:
    return f"sqlite:///{(root / DEFAULT_DB).resolve()}"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain `postgresql://` URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid URL>"


def make_engine(url: str) -> Engine:
    """Create an engine for a SQLite file or a PostgreSQL server."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"invalid store URL {url!r} - use sqlite:///PATH or "
                         "postgresql://USER@HOST/DB") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        try:
            return create_engine(url, pool_pre_ping=True)
        except (ModuleNotFoundError, NoSuchModuleError):
            raise StoreError("PostgreSQL needs psycopg - "
                             "pip install 'qualcode[postgres]'") from None
    raise StoreError(f"unsupported store {backend!r} - use SQLite or PostgreSQL")


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def open_store(url: str) -> Engine:
    """An engine on the store at `url`, its schema created or upgraded."""
    from qualcode.store.migrations import ensure_schema

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            ensure_schema(conn)
    except OperationalError as exc:
        engine.dispose()
        raise connect_error(url, exc) from None
    return engine


def connect_error(url: str, exc: OperationalError) -> StoreError:
    """A one-line error for a store that cannot be reached (no credentials shown)."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "connection failed"
    return StoreError(f"cannot open the store {safe_url(url)}: {reason}")


def fetch_tuples(conn, query) -> list[tuple]:  # noqa: ANN001
    """Rows as plain tuples, straight from the driver's cursor (for large aggregates of
    plain numbers and strings: building DataFrames from Row objects is far slower)."""
    result = conn.execute(query)
    cursor = getattr(result, "cursor", None)
    if cursor is not None:
        return cursor.fetchall()
    return [tuple(r) for r in result]
