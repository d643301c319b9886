-- PostgreSQL roles of the portal (docs/deploy.md, "PostgreSQL"). Run once as postgres:
--   psql -v app_password="'...'" -v owner_password="'...'" -f deploy/postgresql-roles.sql
-- portal_owner owns the schema and runs migrations (deploys only); portal_app is what the
-- web, worker and beat connect as. portal_app is NOT the owner of any table, so it cannot
-- ALTER/DROP the triggers that make audit event rows immutable, nor TRUNCATE them.
CREATE ROLE portal_owner LOGIN PASSWORD :owner_password;
CREATE ROLE portal_app LOGIN PASSWORD :app_password CONNECTION LIMIT 200;
CREATE ROLE portal_readonly NOLOGIN;  -- reporting on the replica; auditors' tools
CREATE DATABASE partyportal OWNER portal_owner ENCODING 'UTF8' TEMPLATE template0;
\connect partyportal
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO portal_app, portal_readonly;
-- Tables created later by migrations (run as portal_owner) get these grants automatically.
ALTER DEFAULT PRIVILEGES FOR ROLE portal_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO portal_app;
ALTER DEFAULT PRIVILEGES FOR ROLE portal_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO portal_app;
ALTER DEFAULT PRIVILEGES FOR ROLE portal_owner IN SCHEMA public
    GRANT SELECT ON TABLES TO portal_readonly;
-- The migrations need no extension today; if one is added later, a superuser creates it
-- here before `migrate` (portal_owner is not a superuser).
