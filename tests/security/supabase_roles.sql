-- A database set up the way Supabase sets one up, as far as the splinter lints
-- and the public-API exposure of the `public` schema are concerned.
--
-- Run it as `postgres` (which here plays Supabase's `postgres` role, the role
-- the migrations run as) on a new, empty database, before the migrations. It
-- is idempotent: every statement can run again on the same database, and the
-- roles (cluster-wide) are only created when missing - never dropped, never
-- altered - so other databases on the same server are not affected.
--
-- Modelled on supabase/postgres:
--   migrations/db/init-scripts/00000000000000-initial-schema.sql
--     (roles anon, authenticated, service_role BYPASSRLS, authenticator;
--      USAGE on public and extensions; default privileges ALL on
--      tables/functions/sequences in public to anon, authenticated, service_role)
--   migrations/db/migrations/20230529180330_alter_api_roles_for_inherit.sql
--     (the API roles are INHERIT today)
-- and on the default privileges a Supabase project holds FOR ROLE postgres in
-- public, which is what makes tables created by the `postgres` role (our
-- migrations) readable and writable by anon/authenticated out of the box.
--
-- Deliberate differences from Supabase:
--   * authenticator is NOLOGIN: nothing here logs in as it, and a login role
--     without a password on a trust-auth test server would be an open door;
--   * supabase_admin and the other internal admin roles are not created: no
--     lint or test needs them, and our objects are created by `postgres`;
--   * auth/storage are stubs (just the objects the lints look at), and
--     graphql/graphql_public are empty schemas. pg_graphql itself is not
--     installed; the vendored pg_graphql lints run regardless (see
--     tests/security/splinter/README.md).

-- ---------------------------------------------------------------------------
-- Roles (cluster-wide: create when missing, never drop or alter)
-- ---------------------------------------------------------------------------
DO $roles$
DECLARE
    wanted record;
BEGIN
    FOR wanted IN
        SELECT * FROM (VALUES
            ('anon', 'NOLOGIN INHERIT'),
            ('authenticated', 'NOLOGIN INHERIT'),
            ('service_role', 'NOLOGIN INHERIT BYPASSRLS'),
            ('authenticator', 'NOLOGIN NOINHERIT')
        ) AS r(name, options)
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = wanted.name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I %s', wanted.name, wanted.options);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- another session created it in the meantime
            END;
        END IF;
    END LOOP;
END
$roles$;

-- PostgREST's authenticator switches to the API roles.
DO $members$
DECLARE
    api_role text;
BEGIN
    FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
        IF NOT EXISTS (
            SELECT 1
            FROM pg_catalog.pg_auth_members m
            WHERE m.roleid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = api_role)
              AND m.member = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = 'authenticator')
        ) THEN
            EXECUTE format('GRANT %I TO authenticator', api_role);
        END IF;
    END LOOP;
END
$members$;

-- ---------------------------------------------------------------------------
-- public: what Supabase grants (per database)
-- ---------------------------------------------------------------------------
GRANT USAGE ON SCHEMA public TO postgres, anon, authenticated, service_role;

-- For the role that creates the tables (postgres, the migrating role): every
-- new table, view, sequence and function in public is open to the API roles.
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
    GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
    GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
    GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------
-- extensions (Supabase installs extensions here, not in public)
-- ---------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS extensions;
GRANT USAGE ON SCHEMA extensions TO postgres, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------
-- auth stub: auth.users (lints 0002, 0021) and the helpers policies call
-- (lints 0003, 0015 match on their names)
-- ---------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS auth;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;

CREATE TABLE IF NOT EXISTS auth.users (
    id uuid PRIMARY KEY,
    email text,
    raw_user_meta_data jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY;

CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
    LANGUAGE sql STABLE SET search_path = ''
    AS $fn$
        SELECT coalesce(
            nullif(current_setting('request.jwt.claim.sub', true), ''),
            (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
        )::uuid
    $fn$;
CREATE OR REPLACE FUNCTION auth.role() RETURNS text
    LANGUAGE sql STABLE SET search_path = ''
    AS $fn$
        SELECT coalesce(
            nullif(current_setting('request.jwt.claim.role', true), ''),
            (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
        )::text
    $fn$;
CREATE OR REPLACE FUNCTION auth.email() RETURNS text
    LANGUAGE sql STABLE SET search_path = ''
    AS $fn$
        SELECT coalesce(
            nullif(current_setting('request.jwt.claim.email', true), ''),
            (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
        )::text
    $fn$;
CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb
    LANGUAGE sql STABLE SET search_path = ''
    AS $fn$
        SELECT coalesce(
            nullif(current_setting('request.jwt.claim', true), ''),
            nullif(current_setting('request.jwt.claims', true), '')
        )::jsonb
    $fn$;

-- ---------------------------------------------------------------------------
-- storage stub: storage.buckets / storage.objects (lint 0025)
-- ---------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS storage;
GRANT USAGE ON SCHEMA storage TO anon, authenticated, service_role;

CREATE TABLE IF NOT EXISTS storage.buckets (
    id text PRIMARY KEY,
    name text NOT NULL,
    public boolean NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS storage.objects (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    bucket_id text REFERENCES storage.buckets (id),
    name text
);
ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;

-- ---------------------------------------------------------------------------
-- pg_graphql's schemas (empty: the extension is not installed)
-- ---------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS graphql;
CREATE SCHEMA IF NOT EXISTS graphql_public;
GRANT USAGE ON SCHEMA graphql, graphql_public TO anon, authenticated, service_role;
