-- One service's PostgreSQL role and database. The role logs in with a password and may do nothing beyond its own
-- database: no SUPERUSER, CREATEDB or CREATEROLE. It owns the database (so it migrates it), and no other role may
-- even connect to it. Idempotent; run as a superuser, the role's password in the environment (never on a command
-- line):
--   REDISJWT_ROLE_PASSWORD=... psql -v role=redisjwt_board -v database=redisjwt_board -f service-database.sql
-- Without REDISJWT_ROLE_PASSWORD the role must exist already; without -v database only the role is made. Running it
-- again with a new password rotates the password. scripts/lib.sh (run.sh, test.sh, scaled-out.sh, bench) and
-- docker-compose.yml (postgres-roles) run it.
\set ON_ERROR_STOP on
\getenv password REDISJWT_ROLE_PASSWORD

\if :{?password}
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'password';
\endif

\if :{?database}
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'role')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
ALTER DATABASE :"database" OWNER TO :"role";
-- CONNECT and TEMPORARY are PUBLIC's by default, so every role could open every database.
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;

-- A database the superuser filled before the service had a role of its own (the demo's .data/, a deployment moving
-- to per-service roles): hand its tables, sequences, views and functions to the role, or it cannot use them.
\connect :"database"
SELECT set_config('redisjwt.owner', :'role', false) \gset
DO $$
DECLARE
    owner text := current_setting('redisjwt.owner');
    item record;
BEGIN
    FOR item IN
        SELECT format('ALTER %s %s OWNER TO %I',
            CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
            c.oid::regclass, owner) AS statement
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND pg_get_userbyid(c.relowner) <> owner
            -- A column's sequence follows its table.
            AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
        UNION ALL
        SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, owner)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> owner
    LOOP
        EXECUTE item.statement;
    END LOOP;
END $$;
\endif
