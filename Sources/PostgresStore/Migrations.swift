import DocumentStorage

/// The PostgreSQL schema migrations.
///
/// SwiftPM cannot ship `Resources/` files inside a binary, so the canonical SQL
/// files are embedded here; `MigrationFilesTests` fails when the two differ.
public enum PostgresMigrations {
    /// Every migration, oldest first.
    public static let all: [SchemaMigration] = [
        SchemaMigration(
            version: 1, file: "0001_documents.sql",
            sql: #"""
                -- Qalam schema, version 1 (PostgreSQL).
                --
                -- The same tables the QalamColab web app uses: `documents` names a document,
                -- `yjs_documents` holds its Yjs v1 state, possibly in several rows that a load
                -- merges and a save compacts into one. Every statement is idempotent so that a
                -- database the web app already created is extended, never replaced.

                CREATE EXTENSION IF NOT EXISTS "uuid-ossp";

                CREATE TABLE IF NOT EXISTS documents (
                    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
                    title text,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    updated_at timestamptz NOT NULL DEFAULT now()
                );

                -- A documents table created by the web app may lack the columns Qalam fills in.
                ALTER TABLE documents ADD COLUMN IF NOT EXISTS title text;
                ALTER TABLE documents ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now();
                ALTER TABLE documents ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();

                CREATE TABLE IF NOT EXISTS yjs_documents (
                    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
                    document_id uuid NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
                    state bytea NOT NULL,
                    updated_at timestamptz NOT NULL DEFAULT now()
                );

                -- Loads and saves select every row of one document.
                CREATE INDEX IF NOT EXISTS yjs_documents_document_id_idx ON yjs_documents (document_id, updated_at);

                """#),
        SchemaMigration(
            version: 2, file: "0002_members.sql",
            sql: #"""
                -- Qalam schema, version 2 (PostgreSQL): who may open a document.
                --
                -- A document's members are users (a JWT's `sub`) with a role: viewers read,
                -- editors also write, owners also manage the members. The user who creates a
                -- document owns it (`owner_id` and an `owner` row). Documents from before this
                -- version have no owner and no members: only the service role and `qalam share`
                -- reach them until they are shared.

                ALTER TABLE documents ADD COLUMN IF NOT EXISTS owner_id uuid;

                CREATE TABLE IF NOT EXISTS document_members (
                    document_id uuid NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
                    user_id uuid NOT NULL,
                    role text NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
                    created_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (document_id, user_id)
                );

                -- "Which documents may this user open" is asked by user.
                CREATE INDEX IF NOT EXISTS document_members_user_id_idx ON document_members (user_id);

                """#)
    ]
}
