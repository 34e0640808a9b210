"""Nothing of the chatbot is open to Supabase's public API roles.

On Supabase the `public` schema is served to anyone holding the project's
public (anon) key, and Supabase grants `anon` and `authenticated` every
privilege on new objects there by default. Row Level Security (0003) stops rows
being read or written, but not TRUNCATE, and a table those roles can SELECT is
listed by GraphQL introspection. So, on Postgres:

* alembic_version gets Row Level Security too (it had none);
* every table, view and sequence the migrations made loses every privilege of
  anon, authenticated and PUBLIC;
* the migrating role's default privileges in `public` no longer grant anything
  to them, so objects made later are closed as well (functions: the role's
  database-wide default, since Postgres grants EXECUTE to PUBLIC otherwise).

The owner the app connects as, and service_role, keep theirs. Roles that do
not exist (plain Postgres) are skipped. Downgrade turns off RLS on
alembic_version only: it never opens anything again.

Frozen: the object names are written out here.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "sessions", "chat_history", "user_responses", "risk_detections", "session_summaries", "analytics",
    "intent_classifications", "system_logs", "data_repairs", "alembic_version",
)
VIEWS = ("sessions_to_cleanup", "daily_analytics", "session_completion_stats")
PUBLIC_ROLES = ("anon", "authenticated")


def _revoke_sql() -> str:
    objects = ", ".join(f"'{name}'" for name in (*TABLES, *VIEWS))
    roles = ", ".join(f"'{role}'" for role in PUBLIC_ROLES)
    return f"""
DO $lock$
DECLARE
    target text;
    grantee text;
    relation record;
BEGIN
    FOR relation IN
        SELECT c.oid::regclass::text AS name, c.relkind
        FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace
          AND (c.relname IN ({objects})
               OR (c.relkind = 'S' AND EXISTS (
                   SELECT 1 FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
                   WHERE d.objid = c.oid AND d.deptype IN ('a', 'i') AND t.relname IN ({objects}))))
    LOOP
        target := CASE WHEN relation.relkind = 'S' THEN 'SEQUENCE ' ELSE 'TABLE ' END || relation.name;
        EXECUTE 'REVOKE ALL ON ' || target || ' FROM PUBLIC';
        FOR grantee IN SELECT rolname FROM pg_roles WHERE rolname IN ({roles}) LOOP
            EXECUTE 'REVOKE ALL ON ' || target || ' FROM ' || quote_ident(grantee);
        END LOOP;
    END LOOP;
    EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA ' || quote_ident(current_schema())
        || ' REVOKE ALL ON TABLES FROM PUBLIC';
    EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA ' || quote_ident(current_schema())
        || ' REVOKE ALL ON SEQUENCES FROM PUBLIC';
    -- Postgres lets everyone execute new functions unless the role's own
    -- (database-wide) default says otherwise; a schema-level REVOKE cannot.
    EXECUTE 'ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC';
    FOR grantee IN SELECT rolname FROM pg_roles WHERE rolname IN ({roles}) LOOP
        EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA ' || quote_ident(current_schema())
            || ' REVOKE ALL ON TABLES FROM ' || quote_ident(grantee);
        EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA ' || quote_ident(current_schema())
            || ' REVOKE ALL ON SEQUENCES FROM ' || quote_ident(grantee);
        EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA ' || quote_ident(current_schema())
            || ' REVOKE ALL ON FUNCTIONS FROM ' || quote_ident(grantee);
    END LOOP;
END
$lock$"""


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute('ALTER TABLE "alembic_version" ENABLE ROW LEVEL SECURITY')
    op.execute(_revoke_sql())


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute('ALTER TABLE "alembic_version" DISABLE ROW LEVEL SECURITY')
