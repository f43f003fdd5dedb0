"""What a DSN names: which kind of database, where, as whom; and how to show it without its password.

Accepted spellings:

- PostgreSQL: `postgresql://`, `postgres://`, `postgresql+<driver>://` (SQLAlchemy's; psycopg 3 is always used)
- MariaDB / MySQL: `mysql://`, `mariadb://`, `mysql+<driver>://` (PyMySQL is always used)
- SQLite: `sqlite:///relative.db`, `sqlite:////absolute.db`, or a bare path to an existing
  `.db` / `.sqlite` / `.sqlite3` file (or any existing file that starts with SQLite's header)
- Redis: `redis://`, `rediss://` (TLS), database number as the path (`/2`) or `?db=2`
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from attrs import field, frozen
from flowscan.introspect.errors import IntrospectionError
from flowscan.redact import MASK, redact

SUPPORTED = "postgresql://, mysql://, mariadb://, redis://, rediss://, sqlite:///PATH or a path to a SQLite file"
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
_SQLITE_HEADER = b"SQLite format 3\x00"
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
# libpq's keyword form, `host=db dbname=shop user=app`: psycopg takes it, but a URL is one spelling for every database
_LIBPQ_KEYWORDS = re.compile(r"^\s*(host|hostaddr|dbname|user|port|password|service)\s*=", re.IGNORECASE)

_KINDS = {
    "postgresql": "postgresql", "postgres": "postgresql",
    "mysql": "mysql", "mariadb": "mysql",
    "redis": "redis", "rediss": "redis",
    "sqlite": "sqlite",
}
_NOT_YET = {
    "mongodb": "MongoDB introspection is not supported yet",
}
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "redis": 6379}
NAMES = {"postgresql": "PostgreSQL", "mysql": "MariaDB/MySQL", "redis": "Redis", "sqlite": "SQLite"}


@frozen
class Target:
    """A parsed DSN. `display` is what may be shown and stored (an Origin's path): secrets masked."""

    kind: str
    display: str
    scheme: str = ""
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    host: str | None = None
    port: int | None = None
    database: str | None = None
    query: tuple[tuple[str, str], ...] = ()
    #: the DSN as given (with its password): only the Redis client is handed it
    url: str = field(default="", repr=False)
    #: a SQLite file
    path: Path | None = None

    @property
    def name(self) -> str:
        return NAMES[self.kind]

    @property
    def where(self) -> str:
        """`host:port` for messages (never the password)."""
        if self.path is not None:
            return str(self.path)
        host = self.host or "localhost"
        if ":" in host:  # IPv6
            host = f"[{host}]"
        return f"{host}:{self.port or DEFAULT_PORTS.get(self.kind, '')}"


def names_a_database(given: str) -> bool:
    """Whether `given` is for introspection (a DSN of a known scheme, or a SQLite file) rather
    than, say, the path of a saved catalog."""
    scheme = _SCHEME.match(given.strip())
    if scheme is not None:
        base = scheme.group(1).lower().split("+", 1)[0]
        return base in _KINDS or base in _NOT_YET
    return given.lower().endswith(SQLITE_SUFFIXES)


def parse_dsn(dsn: str) -> Target:
    text = dsn.strip()
    if not text:
        raise IntrospectionError("the DSN is empty")
    scheme_match = _SCHEME.match(text)
    if scheme_match is None:
        return _bare_path(text)
    scheme = scheme_match.group(1).lower()
    base = scheme.split("+", 1)[0]
    if base in _NOT_YET:
        raise IntrospectionError(_NOT_YET[base])
    kind = _KINDS.get(base)
    if kind is None:
        raise IntrospectionError(f"unsupported scheme '{scheme}://': flowscan introspects {SUPPORTED}")
    if kind == "sqlite":
        return _sqlite_url(text)
    return _network(kind, scheme, text)


def display(dsn: str) -> str:
    """`dsn` with its password (in the user part or the query) masked.

    The password runs from the user part's first `:` to the last `@` before the query, so
    that one with an unencoded `@` or `/` is masked whole: masking too much beats showing some.
    """
    head, at, rest = dsn.partition("://")
    if at:
        end = rest.split("?", 1)[0].rfind("@")
        userinfo = rest[:end] if end >= 0 else ""
        if ":" in userinfo:
            rest = f"{userinfo.split(':', 1)[0]}:{MASK}{rest[end:]}"
        dsn = f"{head}{at}{rest}"
    return redact(dsn)


def _network(kind: str, scheme: str, text: str) -> Target:
    try:
        parts = urlsplit(text)
    except ValueError as error:  # `Invalid IPv6 URL`: an unclosed [
        raise IntrospectionError(f"malformed DSN {display(text)}: {error}") from None
    try:
        port = parts.port
    except ValueError:
        raise IntrospectionError(f"malformed DSN {display(text)}: the port is not a number from 1 to 65535") from None
    password = unquote(parts.password) if parts.password is not None else None
    shown = display(text)
    if parts.fragment:
        raise IntrospectionError(f"malformed DSN {shown}: unexpected '#' (percent-encode it as %23 in a password)")
    query = tuple(parse_qsl(parts.query, keep_blank_values=True))
    path = unquote(parts.path[1:]) if parts.path.startswith("/") else unquote(parts.path)
    database: str | None
    if kind == "redis":
        database = _redis_db(path, dict(query), shown)
    elif "/" in path:
        raise IntrospectionError(f"malformed DSN {shown}: the database name '{path}' has a '/' in it "
                                 "(percent-encode '/' in a password as %2F)")
    else:
        database = path or None
    return Target(
        kind=kind, display=shown, scheme=scheme,
        username=unquote(parts.username) if parts.username else None, password=password,
        host=parts.hostname, port=port, database=database, query=query, url=text,
    )


def _redis_db(path: str, query: dict[str, str], shown: str) -> str:
    number = path or query.get("db", "0")
    if not number.isdigit():
        raise IntrospectionError(f"malformed DSN {shown}: the Redis database '{number}' is not a number")
    return str(int(number))


def _sqlite_url(text: str) -> Target:
    shown = display(text)
    rest = text[len("sqlite://"):]
    location = rest.split("?", 1)[0]
    if location in ("", "/", "/:memory:") or location.startswith("/file::memory:"):
        raise IntrospectionError("an in-memory SQLite database (sqlite://) holds nothing to introspect: "
                                 "give the database file, sqlite:///path/to/file.db")
    if not location.startswith("/"):
        raise IntrospectionError(f"malformed DSN {shown}: write sqlite:///relative/path.db or sqlite:////absolute/path.db")
    path = unquote(location[1:])
    path = path.removeprefix("file:")  # SQLAlchemy's `sqlite:///file:x.db?uri=true`
    return _sqlite_target(Path(path), shown)


def _bare_path(text: str) -> Target:
    if _LIBPQ_KEYWORDS.match(text):
        raise IntrospectionError("a libpq keyword string (host=… dbname=…) is not accepted: "
                                 "write it as a URL, postgresql://user@host:port/dbname")
    path = Path(text)
    if path.suffix.lower() in SQLITE_SUFFIXES or _starts_like_sqlite(path):
        return _sqlite_target(path, display(text))
    if path.exists():
        raise IntrospectionError(f"{text} is not a SQLite database file, and not a DSN: flowscan introspects {SUPPORTED}")
    raise IntrospectionError(f"'{display(text)}' is not a DSN (no scheme://) nor an existing SQLite file: "
                             f"flowscan introspects {SUPPORTED}")


def _sqlite_target(path: Path, shown: str) -> Target:
    if not path.exists():
        raise IntrospectionError(f"no SQLite database at {path}: the file does not exist "
                                 "(flowscan opens it read-only and never creates it)")
    if path.is_dir():
        raise IntrospectionError(f"{path} is a folder, not a SQLite database file")
    return Target(kind="sqlite", display=shown, scheme="sqlite", path=path)


def _starts_like_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER
    except OSError:
        return False
