-- The site's database and its role, with the least privilege that runs the site and its migrations:
-- the role owns its one database and nothing else; it cannot create databases or roles, is no
-- superuser, and no other role may connect. Run as the PostgreSQL superuser, once:
--   sudo -u postgres psql -v role=tracker -v password="$(cat db-password)" -v database=tracker \
--        -v ON_ERROR_STOP=1 -f docs/deploy/create-database.sql
-- Run again with another database name (and no password) to make a scratch database owned by the
-- same role, as "Practising a restore" in docs/deploy.md does. `make deploy-check` runs this file.
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') AS new_role \gset
\if :new_role
CREATE ROLE :"role" LOGIN PASSWORD :'password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT CONNECTION LIMIT 50;
\endif
CREATE DATABASE :"database" OWNER :"role" ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"role";
\connect :"database"
-- Only the site's role creates tables (PostgreSQL 14 and earlier let every role create in public).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO :"role";
