"""Connecting to the store. Every dialect-specific detail lives in this module."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError, OperationalError

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
        path = parsed.database
        read_only = bool(path) and path != ":memory:" and _read_only(Path(path))
        if read_only:
            # a shared, read-only copy: open it immutable (no -wal/-shm files to create)
            url = f"sqlite:///file:{Path(path).resolve()}?mode=ro&immutable=1&uri=true"
        elif path and path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the store's folder {Path(path).parent}: "
                                 f"{exc.strerror}") from None
        engine = create_engine(url, connect_args={"timeout": lock_timeout()})
        engine.info = {"read_only": read_only, "where": path}  # type: ignore[attr-defined]
        event.listen(engine, "connect", _sqlite_ro_pragmas if read_only else _sqlite_pragmas)
        event.listen(engine, "handle_error", _sqlite_errors)
        return engine
    if backend == "postgresql":
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except (ModuleNotFoundError, NoSuchModuleError):
            raise StoreError("PostgreSQL needs psycopg - "
                             "pip install 'qualcode[postgres]'") from None
        engine.info = {"read_only": False, "where": safe_url(url)}  # type: ignore[attr-defined]
        return engine
    raise StoreError(f"unsupported store {backend!r} - use SQLite or PostgreSQL")


def lock_timeout() -> float:
    """Seconds a SQLite write waits for another writer (QUALCODE_LOCK_TIMEOUT, default 30)."""
    try:
        return float(os.environ.get("QUALCODE_LOCK_TIMEOUT", "30"))
    except ValueError:
        return 30.0


def _read_only(path: Path) -> bool:
    """Whether a SQLite store exists but cannot be written (a read-only file or folder,
    or a read-only mount)."""
    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _sqlite_errors(context) -> None:  # noqa: ANN001
    """Turn SQLite's errors that a user can meet into one clear line each."""
    exc = context.original_exception
    message = str(exc).lower()
    where = context.engine.info.get("where") if context.engine is not None else None
    name = where or "the store"
    if "database is locked" in message or "database table is locked" in message:
        raise StoreError(f"{name} is busy: another qualcode process has been writing to it "
                         f"for {lock_timeout():g} s - try again when it has finished") from None
    if "readonly database" in message or "read-only" in message:
        raise StoreError(f"{name} is read-only - this command writes; reading commands "
                         "(status, summary, compare, export...) work") from None
    if "file is not a database" in message or "malformed" in message:
        raise StoreError(f"{name} is not a readable qualcode store ({exc}) - restore it "
                         "from a backup, or move it aside and run qualcode import to "
                         "rebuild it from the files") from None
    if "disk i/o error" in message or "unable to open database" in message:
        raise StoreError(f"cannot open {name}: {exc} - check the folder exists and can be "
                         "read") from None


def _sqlite_ro_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA query_only=ON")
    cur.close()


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # a page cache of up to 128 MiB (default 2 MiB): bulk updates of codings (a codebook
    # rename of 100,000 codings) touch index pages all over the file; allocated as used
    cur.execute("PRAGMA cache_size=-131072")
    cur.execute("PRAGMA mmap_size=268435456")
    cur.close()


def open_store(url: str) -> Engine:
    """An engine on the store at `url`, its schema created or upgraded."""
    from qualcode.store.migrations import ensure_schema

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            ensure_schema(conn, read_only=engine.info.get("read_only", False))
    except OperationalError as exc:
        engine.dispose()
        raise connect_error(url, exc) from None
    except DatabaseError as exc:
        engine.dispose()
        raise StoreError(f"{safe_url(url)} is not a readable qualcode store "
                         f"({str(exc.orig).strip()}) - restore it from a backup, or move it "
                         "aside and run qualcode import to rebuild it") from None
    except StoreError:
        engine.dispose()
        raise
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
