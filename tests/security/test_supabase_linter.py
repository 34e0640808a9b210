"""Supabase's own database linter (splinter) finds nothing to warn about.

On Supabase the `public` schema is served to anyone holding the project's
public (anon) key, through the Data API and pg_graphql, and Supabase grants
`anon` and `authenticated` every privilege on new objects there by default.
These tests build a database the way Supabase does (``supabase_roles.sql``:
its roles, default privileges, stub `auth`/`storage`/`extensions` schemas),
run our migrations on it as `postgres`, and then

* run every vendored splinter lint (``splinter/lints/*.sql``; see
  ``splinter/README.md`` for the source commit and the one change: the two
  pg_graphql lints run even though pg_graphql is not installed) and require
  no finding at level ERROR or WARN;
* check directly, with ``SET ROLE``, that `anon` and `authenticated` can
  neither read nor write any table, view or sequence, while `service_role`
  and the owner keep their access;
* check that objects the migrating role creates later are closed too;
* record the state before the lock-down migration (revision 0005), where the
  same lints do find exposures, so 0006 is what clears them.

Postgres only: every test asks for a Postgres database, so without one they
skip locally and fail under CI=true (the ``pg_admin_url`` fixture).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

import pgserver

pytestmark = pytest.mark.postgres_only

HERE = Path(__file__).resolve().parent
SUPABASE_SETUP = HERE / "supabase_roles.sql"
LINT_DIR = HERE / "splinter" / "lints"

# The schemas PostgREST serves on a Supabase project by default (the CLI's
# `[api] schemas`); several lints only look at these (pgrst.db_schemas).
EXPOSED_SCHEMAS = "public, graphql_public"
API_ROLES = ("anon", "authenticated")
BLOCKING_LEVELS = ("ERROR", "WARN")
GRAPHQL_LINTS = ("pg_graphql_anon_table_exposed", "pg_graphql_authenticated_table_exposed")

APP_TABLES = (
    "sessions", "chat_history", "user_responses", "risk_detections", "session_summaries",
    "analytics", "intent_classifications", "system_logs", "data_repairs",
)
VIEWS = ("sessions_to_cleanup", "daily_analytics", "session_completion_stats")
EXPECTED_TABLES = (*APP_TABLES, "alembic_version")
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
SEQUENCE_PRIVILEGES = ("USAGE", "SELECT", "UPDATE")

_HEADER = re.compile(r'^create view lint\."(?P<view>[^"]+)" as$', re.IGNORECASE)


# --------------------------------------------------------------------------
# The linter
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    lint: str  # the vendored file, e.g. 0013_rls_disabled_in_public
    name: str
    level: str
    detail: str
    cache_key: str

    def __str__(self) -> str:
        return f"{self.level:5} {self.name}: {self.detail}"


def load_lints() -> dict[str, str]:
    """{file stem: query} for every vendored lint. Each file is splinter's
    ``create view lint."<stem>" as <query>;``; the query is run as is."""
    lints: dict[str, str] = {}
    for path in sorted(LINT_DIR.glob("*.sql")):
        first, _, query = path.read_text(encoding="utf-8").strip().partition("\n")
        header = _HEADER.match(first.strip())
        assert header, f"{path.name}: unexpected first line {first!r}"
        assert header["view"] == path.stem, f"{path.name}: declares view {header['view']!r}"
        lints[path.stem] = query.strip().removesuffix(";")
    return lints


LINTS = load_lints()


def run_lints(conn: psycopg.Connection[Any]) -> list[Finding]:
    """Every vendored lint against the connection's database, as Supabase
    runs them: empty search_path (the lints are schema-qualified) and
    pgrst.db_schemas set to the exposed schemas. Each lint runs in its own
    transaction (a savepoint if one is open), so a broken one says which."""
    findings: list[Finding] = []
    for stem, query in LINTS.items():
        try:
            with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
                cur.execute("SET LOCAL search_path = ''")
                cur.execute("SELECT set_config('pgrst.db_schemas', %s, true)", (EXPOSED_SCHEMAS,))
                rows = cur.execute(query).fetchall()
        except psycopg.Error as exc:
            raise AssertionError(f"splinter lint {stem} failed to run: {exc}") from exc
        findings.extend(
            Finding(stem, row["name"], row["level"], row["detail"], row["cache_key"]) for row in rows
        )
    return findings


def lint_database(url: str) -> list[Finding]:
    with pgserver.psycopg_connect(url, autocommit=True) as conn:
        return run_lints(conn)


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.level in BLOCKING_LEVELS]


def summary(label: str, findings: list[Finding]) -> str:
    by_level = Counter(f.level for f in findings)
    by_lint = Counter((f.level, f.name) for f in findings)
    lines = [
        f"splinter ({len(LINTS)} lints) {label}: {len(findings)} finding(s) - "
        + ", ".join(f"{level} {by_level.get(level, 0)}" for level in ("ERROR", "WARN", "INFO"))
    ]
    lines += [f"    {count:3} x {level:5} {name}" for (level, name), count in sorted(by_lint.items())]
    return "\n".join(lines)


def show(capsys: pytest.CaptureFixture[str], text: str) -> None:
    """Print into the test output even when the test passes (CI logs)."""
    with capsys.disabled():
        print(f"\n{text}")


# --------------------------------------------------------------------------
# Databases
# --------------------------------------------------------------------------


def apply_supabase_setup(url: str) -> None:
    with pgserver.psycopg_connect(url, autocommit=True) as conn:
        conn.execute(SUPABASE_SETUP.read_text(encoding="utf-8"))


@pytest.fixture
def supabase_db(pg_admin_url: str, make_empty_db: Callable[[str], str]) -> Callable[..., str]:
    """``make(revision="head") -> url``: a new database set up like Supabase,
    migrated (as postgres) to ``revision``."""

    def make(revision: str = "head") -> str:
        from repository.schema import upgrade

        url = make_empty_db("postgresql")
        apply_supabase_setup(url)
        upgrade(url, revision)
        return url

    return make


@pytest.fixture
def conn_factory() -> Iterator[Callable[[str], psycopg.Connection[Any]]]:
    opened: list[psycopg.Connection[Any]] = []

    def connect(url: str) -> psycopg.Connection[Any]:
        conn = pgserver.psycopg_connect(url, autocommit=True)
        opened.append(conn)
        return conn

    yield connect
    for conn in opened:
        conn.close()


def scalar(conn: psycopg.Connection[Any], query: str, params: tuple[Any, ...] = ()) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None, query
    return row[0]


def relations(conn: psycopg.Connection[Any], kinds: str) -> list[str]:
    rows = conn.execute(
        "SELECT c.relname FROM pg_catalog.pg_class c"
        " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind::text = ANY(%s)"
        " ORDER BY c.relname",
        (list(kinds),),
    ).fetchall()
    return [row[0] for row in rows]


def as_role(conn: psycopg.Connection[Any], role: str, statement: sql.Composable | str) -> str | None:
    """None if ``role`` is refused for lack of privilege; else what happened.
    Always rolled back. (Row Level Security refusing a row raises the same
    SQLSTATE 42501; that does not count as refused here.)"""
    try:
        with conn.transaction():
            conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
            conn.execute(statement)
            raise psycopg.Rollback()
    except psycopg.errors.InsufficientPrivilege as exc:
        if str(exc).startswith("permission denied for "):
            return None
        return f"was refused, but not for lack of privilege: {exc}"
    except psycopg.Error as exc:
        return f"failed, but not for lack of privilege: {type(exc).__name__}: {exc}"
    return "succeeded"


def first_column(conn: psycopg.Connection[Any], table: str) -> str:
    row = conn.execute(
        "SELECT attname FROM pg_catalog.pg_attribute"
        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum LIMIT 1",
        (f"public.{table}",),
    ).fetchone()
    assert row is not None
    return str(row[0])


def privileges_held(
    conn: psycopg.Connection[Any], role: str, relation: str, kind: str
) -> list[str]:
    """The table (or sequence) privileges ``role`` has on public.``relation``,
    directly, through PUBLIC or through a role it belongs to; plus
    'some column' for column-level grants."""
    qualified = f"public.{relation}"
    if kind == "S":
        return [
            p for p in SEQUENCE_PRIVILEGES
            if scalar(conn, "SELECT has_sequence_privilege(%s, %s, %s)", (role, qualified, p))
        ]
    held = [
        p for p in TABLE_PRIVILEGES
        if scalar(conn, "SELECT has_table_privilege(%s, %s, %s)", (role, qualified, p))
    ]
    for p in ("SELECT", "INSERT", "UPDATE", "REFERENCES"):
        column_grant = scalar(conn, "SELECT has_any_column_privilege(%s, %s, %s)", (role, qualified, p))
        if column_grant and p not in held:
            held.append(f"{p} on some column")
    return held


def attempts(conn: psycopg.Connection[Any], role: str, relation: str, kind: str) -> dict[str, str | None]:
    """What ``role`` gets when it tries each kind of access, per statement."""
    ident = sql.Identifier("public", relation)
    if kind == "S":
        nextval = sql.SQL("SELECT nextval({})").format(sql.Literal(f"public.{relation}"))
        return {"nextval": as_role(conn, role, nextval)}
    results = {"SELECT": as_role(conn, role, sql.SQL("SELECT 1 FROM {} LIMIT 0").format(ident))}
    if kind in ("r", "p"):
        column = sql.Identifier(first_column(conn, relation))
        results["INSERT"] = as_role(conn, role, sql.SQL("INSERT INTO {} DEFAULT VALUES").format(ident))
        update = sql.SQL("UPDATE {} SET {} = {} WHERE false").format(ident, column, column)
        results["UPDATE"] = as_role(conn, role, update)
        results["DELETE"] = as_role(conn, role, sql.SQL("DELETE FROM {} WHERE false").format(ident))
        results["TRUNCATE"] = as_role(conn, role, sql.SQL("TRUNCATE {}").format(ident))
    return results


def exposure_problems(conn: psycopg.Connection[Any], names: Iterable[str] | None = None) -> list[str]:
    """Every way anon/authenticated reach a relation or sequence in public
    (all of them, or just ``names``): privileges held, and statements run
    under SET ROLE that were not refused."""
    wanted = None if names is None else set(names)
    rows = conn.execute(
        "SELECT relname, relkind FROM pg_catalog.pg_class"
        " WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'v', 'm', 'f', 'S')"
        " ORDER BY relname"
    ).fetchall()
    problems: list[str] = []
    for relation, kind in rows:
        if wanted is not None and relation not in wanted:
            continue
        for role in API_ROLES:
            held = privileges_held(conn, role, relation, kind)
            if held:
                problems.append(f"{role} holds {held} on public.{relation}")
            for action, outcome in attempts(conn, role, relation, kind).items():
                if outcome is not None:
                    problems.append(f"{role}: {action} on public.{relation} {outcome}")
    return problems


# --------------------------------------------------------------------------
# The vendored lints themselves
# --------------------------------------------------------------------------


def test_vendored_lints_are_all_there_and_the_graphql_ones_are_unconditional() -> None:
    assert len(LINTS) >= 28, sorted(LINTS)
    graphql = {stem: query for stem, query in LINTS.items() if "pg_graphql" in stem}
    assert sorted(graphql) == [
        "0026_pg_graphql_anon_table_exposed",
        "0027_pg_graphql_authenticated_table_exposed",
    ]
    for stem, query in graphql.items():
        code = "\n".join(line.split("--", 1)[0] for line in query.splitlines())
        assert "graphql_installed)" not in code, f"{stem} still requires pg_graphql to be installed"
        assert "AIMHI VENDORED CHANGE" in query, f"{stem}: the documented change marker is missing"
    assert (HERE / "splinter" / "README.md").is_file()


# --------------------------------------------------------------------------
# At head: nothing to warn about
# --------------------------------------------------------------------------


def test_splinter_finds_no_error_or_warn_at_head(
    supabase_db: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = supabase_db()
    findings = lint_database(url)
    show(capsys, summary("after all migrations (head)", findings))
    bad = blocking(findings)
    assert not bad, f"{len(bad)} splinter finding(s) at ERROR/WARN after the migrations:\n" + "\n".join(
        f"  [{f.lint}] {f}" for f in bad
    )


def test_api_roles_can_touch_nothing_at_head(
    supabase_db: Callable[..., str], conn_factory: Callable[[str], psycopg.Connection[Any]]
) -> None:
    conn = conn_factory(supabase_db())
    tables = relations(conn, "rp")
    views = relations(conn, "vm")
    assert set(EXPECTED_TABLES) <= set(tables), tables
    assert set(VIEWS) <= set(views), views
    assert relations(conn, "S"), "expected the identity sequences of the app tables"
    problems = exposure_problems(conn)
    assert not problems, "anon/authenticated reach app objects:\n" + "\n".join(f"  {p}" for p in problems)


# The owner of a relation and the privileges it holds on it itself (an owner
# can revoke its own; no ACL yet means the built-in default, all of them).
OWNER_PRIVILEGES = """
    SELECT pg_get_userbyid(c.relowner),
           coalesce((SELECT array_agg(DISTINCT a.privilege_type::text)
                     FROM aclexplode(coalesce(c.relacl, acldefault(
                         CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner))) a
                     WHERE a.grantee = c.relowner), '{}')
    FROM pg_catalog.pg_class c
    WHERE c.oid = %s::regclass
"""


def test_service_role_and_owner_keep_their_access_at_head(
    supabase_db: Callable[..., str], conn_factory: Callable[[str], psycopg.Connection[Any]]
) -> None:
    conn = conn_factory(supabase_db())
    owner = scalar(conn, "SELECT current_user")
    assert owner == "postgres"
    bypass = conn.execute("SELECT rolbypassrls FROM pg_roles WHERE rolname = 'service_role'").fetchone()
    assert bypass == (True,), "service_role must exist with BYPASSRLS (supabase_roles.sql)"

    # The test server's postgres is a superuser (Supabase's is not, but has
    # BYPASSRLS), so "the owner can" is checked on the ACLs, not by trying.
    problems: list[str] = []
    for relation in relations(conn, "rpvmS"):
        kind = scalar(conn, "SELECT relkind FROM pg_class WHERE oid = %s::regclass", (f"public.{relation}",))
        row = conn.execute(OWNER_PRIVILEGES, (f"public.{relation}",)).fetchone()
        assert row is not None
        relowner, owner_privileges = row
        wanted = set(SEQUENCE_PRIVILEGES if kind == "S" else TABLE_PRIVILEGES)
        if relowner != owner:
            problems.append(f"public.{relation} is owned by {relowner}, not {owner}")
        if not wanted <= set(owner_privileges):
            problems.append(f"owner lost {sorted(wanted - set(owner_privileges))} on public.{relation}")
        service = set(privileges_held(conn, "service_role", relation, kind))
        if not wanted <= service:
            problems.append(f"service_role lost {sorted(wanted - service)} on public.{relation}")
    assert not problems, "\n".join(problems)

    # Real reads and writes, rolled back: the owner writes; service_role (not
    # a superuser; BYPASSRLS) reads the row through RLS, on a table and
    # through a security_invoker view, and writes.
    with conn.transaction(force_rollback=True):
        conn.execute("INSERT INTO public.sessions (session_id) VALUES ('splinter-probe')")
        conn.execute("UPDATE public.sessions SET completed = true WHERE session_id = 'splinter-probe'")
        assert conn.execute("SELECT count(*) FROM public.sessions").fetchone() == (1,)
        conn.execute("INSERT INTO public.data_repairs (table_name, row_key, action, detail, original)"
                     " VALUES ('t', 'k', 'a', 'd', 'o')")
        conn.execute("TRUNCATE public.data_repairs")
        conn.execute("SET LOCAL ROLE service_role")
        assert conn.execute(
            "SELECT session_id FROM public.sessions"
        ).fetchall() == [("splinter-probe",)]
        assert conn.execute(
            "SELECT total_sessions, completed_sessions FROM public.session_completion_stats"
        ).fetchall() == [(1, 1)]
        assert conn.execute("SELECT count(*) FROM public.alembic_version").fetchone() == (1,)
        conn.execute("INSERT INTO public.system_logs (log_level, component, message)"
                     " VALUES ('INFO', 'splinter-test', 'service_role can write')")


# --------------------------------------------------------------------------
# Objects created after the migrations
# --------------------------------------------------------------------------


def test_objects_created_later_by_the_migrating_role_stay_closed(
    pg_admin_url: str,
    make_empty_db: Callable[[str], str],
    conn_factory: Callable[[str], psycopg.Connection[Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from repository.schema import upgrade

    url = make_empty_db("postgresql")
    apply_supabase_setup(url)
    conn = conn_factory(url)

    # Control: set up like Supabase, a new table in public is open to anon.
    with conn.transaction(force_rollback=True):
        conn.execute("CREATE TABLE public.probe (id int)")
        granted = privileges_held(conn, "anon", "probe", "r")
        assert "SELECT" in granted and "TRUNCATE" in granted, granted

    upgrade(url)

    conn.execute(
        "CREATE TABLE public.created_later ("
        " id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, password text)"
    )
    conn.execute("CREATE VIEW public.created_later_view WITH (security_invoker = true)"
                 " AS SELECT id FROM public.created_later")
    conn.execute("CREATE MATERIALIZED VIEW public.created_later_matview"
                 " AS SELECT id FROM public.created_later")
    conn.execute("CREATE SEQUENCE public.created_later_seq")
    later = ["created_later", "created_later_view", "created_later_matview",
             "created_later_seq", "created_later_id_seq"]
    assert set(later) <= set(relations(conn, "rvmS"))

    problems = exposure_problems(conn, later)
    assert not problems, "objects made after the migrations are open:\n" + "\n".join(
        f"  {p}" for p in problems
    )
    # service_role is unaffected (it keeps Supabase's default grant).
    assert "SELECT" in privileges_held(conn, "service_role", "created_later", "r")

    # Even this careless table (no RLS, a `password` column) gives the linter
    # nothing to warn about, because the API roles cannot reach it.
    findings = lint_database(url)
    show(capsys, summary("with objects created after the migrations", findings))
    bad = blocking(findings)
    assert not bad, "\n".join(f"  [{f.lint}] {f}" for f in bad)


def test_functions_created_later_are_not_executable_by_the_api_roles(
    supabase_db: Callable[..., str], conn_factory: Callable[[str], psycopg.Connection[Any]]
) -> None:
    """Postgres grants EXECUTE on new functions to PUBLIC by a built-in default;
    0006 removes it with the role's database-wide default privileges."""
    conn = conn_factory(supabase_db())
    conn.execute("CREATE FUNCTION public.created_later_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'")
    for role in API_ROLES:
        executable = conn.execute(
            "SELECT has_function_privilege(%s, 'public.created_later_fn()', 'EXECUTE')", (role,)
        ).fetchone()
        assert executable == (False,), f"{role} can execute a function created after the migrations"


# --------------------------------------------------------------------------
# The harness is not vacuous
# --------------------------------------------------------------------------


def test_the_linter_reports_exposures_when_there_are_some(
    supabase_db: Callable[..., str], conn_factory: Callable[[str], psycopg.Connection[Any]]
) -> None:
    """Positive control at head: open things up on purpose (rolled back) and
    the same lints, run the same way, report them."""
    conn = conn_factory(supabase_db())
    with conn.transaction(force_rollback=True):
        conn.execute("CREATE TABLE public.exposed (id int PRIMARY KEY, password text)")
        conn.execute("GRANT SELECT ON public.exposed TO anon, authenticated")
        conn.execute("CREATE FUNCTION public.exposed_fn() RETURNS int LANGUAGE sql"
                     " SECURITY DEFINER SET search_path = '' AS 'SELECT 1'")
        conn.execute("GRANT EXECUTE ON FUNCTION public.exposed_fn() TO anon, authenticated")
        conn.execute("GRANT SELECT ON public.daily_analytics TO anon")
        found = {(f.name, f.cache_key) for f in blocking(run_lints(conn))}
    names = {name for name, _ in found}
    assert {
        "rls_disabled_in_public",
        "sensitive_columns_exposed",
        "pg_graphql_anon_table_exposed",
        "pg_graphql_authenticated_table_exposed",
        "anon_security_definer_function_executable",
        "authenticated_security_definer_function_executable",
    } <= names, sorted(found)
    assert ("pg_graphql_anon_table_exposed", "pg_graphql_anon_table_exposed_public_daily_analytics") in found


def test_supabase_setup_is_idempotent(
    pg_admin_url: str,
    make_empty_db: Callable[[str], str],
    conn_factory: Callable[[str], psycopg.Connection[Any]],
) -> None:
    url = make_empty_db("postgresql")
    apply_supabase_setup(url)
    conn = conn_factory(url)
    query = ("SELECT defaclrole::regrole::text, defaclnamespace::regnamespace::text, defaclobjtype,"
             " defaclacl::text FROM pg_default_acl ORDER BY 1, 2, 3")
    before = conn.execute(query).fetchall()
    apply_supabase_setup(url)
    assert conn.execute(query).fetchall() == before
    wanted = ["anon", "authenticated", "authenticator", "service_role"]
    found = conn.execute(
        "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s) ORDER BY rolname", (wanted,)
    ).fetchall()
    assert [name for (name,) in found] == wanted


# --------------------------------------------------------------------------
# Before the lock-down migration
# --------------------------------------------------------------------------


def test_before_the_lock_down_migration_splinter_finds_exposures(
    supabase_db: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    """At 0005 (RLS on the app tables, but Supabase's grants untouched) the
    same lints report the exposures that 0006 removes."""
    findings = lint_database(supabase_db("0005"))
    show(capsys, summary("before the lock-down migration (revision 0005)", findings))
    bad = blocking(findings)
    assert bad, "expected ERROR/WARN findings at 0005; the harness may no longer detect exposure"
    keys = {f.cache_key for f in bad}
    assert "rls_disabled_in_public_public_alembic_version" in keys, sorted(keys)
    for lint in GRAPHQL_LINTS:
        for relation in (*EXPECTED_TABLES, *VIEWS):
            assert f"{lint}_public_{relation}" in keys, f"{lint} did not report public.{relation}"
