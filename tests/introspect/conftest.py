"""Throw-away database servers for the introspection tests: PostgreSQL, MariaDB and Redis.

Each server is started once per test session in its own temporary folder, on loopback at
a free port, seeded with a small shop, and stopped (its folder removed) at the end, even
when tests fail. Servers come from the distribution's packages (`postgresql`,
`mariadb-server`, `redis-server`); without them the tests are skipped, unless
FLOWSCAN_REQUIRE_SERVERS=1 (as CI sets it), which turns the skip into a failure.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn
from urllib.parse import quote

import pytest
from attrs import frozen

FIXTURES = Path(__file__).parent / "fixtures"
REQUIRED = os.environ.get("FLOWSCAN_REQUIRE_SERVERS") == "1"
START_TIMEOUT = 30.0


def unavailable(reason: str) -> NoReturn:
    if REQUIRED:
        pytest.fail(f"{reason}, and FLOWSCAN_REQUIRE_SERVERS=1 requires these tests to run")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(ready: Callable[[], bool], what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
    pytest.fail(f"{what} did not start within {START_TIMEOUT:g} s\n{tail}")


def run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"{what} failed ({done.returncode}): {done.stdout[-1500:]}{done.stderr[-1500:]}")


def url(scheme: str, user: str, password: str, port: int, database: str = "") -> str:
    return f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:{port}/{database}"


# --- PostgreSQL --------------------------------------------------------------------------------

@frozen
class Postgres:
    port: int
    superuser_password: str
    reader_password: str = "Rd#9/pw@x-reader"  # as in fixtures/postgres_shop.sql: '#', '/' and '@' need encoding
    intern_password: str = "intern-pw-7731"

    def dsn(self, user: str = "flowscan_reader", password: str | None = None, database: str = "shop") -> str:
        passwords = {"postgres": self.superuser_password, "flowscan_reader": self.reader_password,
                     "intern": self.intern_password}
        return url("postgresql", user, password if password is not None else passwords[user], self.port, database)


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    bindir = _postgres_bin()
    if bindir is None:
        unavailable("PostgreSQL's initdb is not installed (Debian: apt-get install postgresql)")
    as_user: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as the packaged `postgres` user
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            unavailable("running as root and there is no `postgres` user to run PostgreSQL as")
        as_user = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="flowscan-pg-"))
    data, log = folder / "data", folder / "server.log"
    password = "Super#user-pw-4410"
    (folder / "pw").write_text(password + "\n")
    if owner is not None:
        for path in (folder, folder / "pw"):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    port = free_port()
    started = False
    try:
        run([*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=scram-sha-256",
             f"--pwfile={folder / 'pw'}", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"], "initdb")
        options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "30", "-o", options,
             "start"], "pg_ctl start")
        started = True
        server = Postgres(port, password)
        _seed_postgres(server)
        yield server
    finally:
        if started:
            subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                           capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def _seed_postgres(server: Postgres) -> None:
    import psycopg

    with psycopg.connect(server.dsn("postgres", database="postgres"), autocommit=True) as admin:
        admin.execute("CREATE DATABASE shop")
        admin.execute("CREATE DATABASE empty_db")
    with psycopg.connect(server.dsn("postgres"), autocommit=True) as shop:
        shop.execute((FIXTURES / "postgres_shop.sql").read_text())
        shop.execute("SELECT pg_stat_force_next_flush()")
    # the statistics collector publishes a backend's counts when it flushes: wait for them
    def counted() -> bool:
        with psycopg.connect(server.dsn("postgres")) as check:
            row = check.execute("SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'orders'").fetchone()
            return bool(row and row[0])
    wait_until(counted, "PostgreSQL's table statistics")


@frozen
class Bouncer:
    """PgBouncer in transaction-pooling mode before the shop database: it refuses connect-time `options`."""

    port: int
    postgres: Postgres

    def dsn(self) -> str:
        return url("postgresql", "flowscan_reader", self.postgres.reader_password, self.port, "shop")


@pytest.fixture(scope="session")
def pgbouncer_server(postgres_server: Postgres) -> Iterator[Bouncer]:
    binary = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)
    if binary is None:
        unavailable("PgBouncer is not installed (Debian: apt-get install pgbouncer)")
    folder = Path(tempfile.mkdtemp(prefix="flowscan-pgbouncer-"))
    port = free_port()
    server = Bouncer(port, postgres_server)
    (folder / "users.txt").write_text(f'"flowscan_reader" "{postgres_server.reader_password}"\n')
    (folder / "pgbouncer.ini").write_text(
        f"[databases]\nshop = host=127.0.0.1 port={postgres_server.port} dbname=shop\n\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = plain\nauth_file = {folder / 'users.txt'}\npool_mode = transaction\n"
        f"logfile = {folder / 'pgbouncer.log'}\npidfile = {folder / 'pgbouncer.pid'}\n"
    )
    as_user: list[str] = []
    if os.geteuid() == 0:  # PgBouncer will not run as root either
        owner = pwd.getpwnam("postgres")
        for path in (folder, *folder.iterdir()):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    process = subprocess.Popen([*as_user, binary, str(folder / "pgbouncer.ini")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: _listening(port) or process.poll() is not None, "PgBouncer", folder / "pgbouncer.log")
        if process.poll() is not None:
            pytest.fail(f"PgBouncer exited with {process.returncode}")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


# --- MariaDB -----------------------------------------------------------------------------------

@frozen
class MariaDB:
    port: int
    folder: Path
    reader_password: str = "Maria:Reader@pw/1"
    intern_password: str = "intern-mdb-pw-55"

    def dsn(self, user: str = "flowscan_reader", password: str | None = None, database: str = "shop",
            scheme: str = "mariadb") -> str:
        passwords = {"root": "", "flowscan_reader": self.reader_password, "intern": self.intern_password}
        return url(scheme, user, password if password is not None else passwords[user], self.port, database)


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[MariaDB]:
    install, server_bin = shutil.which("mariadb-install-db"), shutil.which("mariadbd") or (
        "/usr/sbin/mariadbd" if os.path.exists("/usr/sbin/mariadbd") else None)
    if install is None or server_bin is None:
        unavailable("MariaDB's server is not installed (Debian: apt-get install mariadb-server)")
    folder = Path(tempfile.mkdtemp(prefix="flowscan-mariadb-"))
    data, log = folder / "data", folder / "server.log"
    as_root = ["--user=root"] if os.geteuid() == 0 else []
    process: subprocess.Popen[bytes] | None = None
    try:
        run([install, "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=normal",
             "--skip-test-db", "--skip-name-resolve", *as_root], "mariadb-install-db")
        port = free_port()
        process = subprocess.Popen(
            [server_bin, "--no-defaults", f"--datadir={data}", f"--socket={folder / 'mysqld.sock'}", f"--port={port}",
             "--bind-address=127.0.0.1", "--skip-name-resolve", f"--log-error={log}", f"--pid-file={folder / 'pid'}",
             "--innodb-buffer-pool-size=32M", "--skip-log-bin", "--innodb-flush-log-at-trx-commit=0", *as_root],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        server = MariaDB(port, folder)
        wait_until(lambda: _mariadb_answers(server) or process.poll() is not None, "MariaDB", log)
        if process.poll() is not None:
            pytest.fail(f"MariaDB exited with {process.returncode}:\n{log.read_text(errors='replace')[-2000:]}")
        _seed_mariadb(server)
        yield server
    finally:
        if process is not None:
            # its data is thrown away: no need for the orderly shutdown that flushes it
            process.kill()
            process.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def _mariadb_answers(server: MariaDB) -> bool:
    import pymysql

    try:
        pymysql.connect(host="127.0.0.1", port=server.port, user="root", password="", connect_timeout=1).close()
        return True
    except pymysql.err.OperationalError:
        return False


def _seed_mariadb(server: MariaDB) -> None:
    import pymysql

    statements = (FIXTURES / "mariadb_shop.sql").read_text().replace("{reader_password}", server.reader_password)
    statements = statements.replace("{intern_password}", server.intern_password)
    connection = pymysql.connect(host="127.0.0.1", port=server.port, user="root", password="", autocommit=True)
    try:
        with connection.cursor() as cursor:
            for statement in _sql_statements(statements):
                cursor.execute(statement)
    finally:
        connection.close()


def _sql_statements(script: str) -> list[str]:
    """The fixture's statements: no semicolons inside literals there, so a split on `;` at a line's end is enough."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n") if s.strip().rstrip(";")]


# --- Redis -------------------------------------------------------------------------------------

@frozen
class Redis:
    port: int
    password: str = "redis:pw@local-99"

    def dsn(self, password: str | None = None, db: int = 0) -> str:
        return f"redis://:{quote(password if password is not None else self.password, safe='')}@127.0.0.1:{self.port}/{db}"


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Redis]:
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server is not installed (Debian: apt-get install redis-server)")
    folder = Path(tempfile.mkdtemp(prefix="flowscan-redis-"))
    port = free_port()
    server = Redis(port)
    # KEYS is renamed away: an introspection that called it would fail, not just be slow
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--daemonize", "no", "--dir", str(folder), "--requirepass", server.password,
         "--rename-command", "KEYS", "", "--logfile", str(folder / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: _redis_answers(server) or process.poll() is not None, "Redis", folder / "redis.log")
        if process.poll() is not None:
            pytest.fail(f"redis-server exited with {process.returncode}")
        _seed_redis(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _redis_answers(server: Redis) -> bool:
    import redis

    try:
        return bool(redis.Redis(port=server.port, password=server.password, socket_connect_timeout=1).ping())
    except redis.exceptions.ConnectionError:
        return False


def _seed_redis(server: Redis) -> None:
    """A web shop's Redis: sessions, user profiles, carts, rate limits, and a few one-off keys."""
    import uuid

    import redis

    client = redis.Redis(port=server.port, password=server.password)
    pipe = client.pipeline(transaction=False)
    for n in range(300):
        pipe.set(f"session:{uuid.UUID(int=n * 7919 + 1)}", f'{{"user": {n}}}', ex=3600)
    for n in range(200):
        pipe.hset(f"user:{1000 + n}:profile", mapping={"name": f"user {n}", "plan": "free"})
    for n in range(150):
        pipe.rpush(f"cart:{5000 + n}", "SKU-1", "SKU-2")
    for n in range(100):
        pipe.set(f"rate:10.0.{n // 50}.{n % 50}", n, ex=60)
    pipe.sadd("config:feature_flags", "new-checkout", "dark-mode")
    pipe.zadd("leaderboard:weekly", {"alice": 10, "bob": 7})
    pipe.xadd("events:orders", {"order": "1", "status": "new"})
    pipe.set("maintenance_mode", "off")
    pipe.execute()
    # another database, which an introspection of db 0 must not mix in
    other = redis.Redis(port=server.port, password=server.password, db=3)
    other.set("jobs:queue:emails", "x")
