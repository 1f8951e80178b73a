import DocumentStorage

/// The SQLite schema migrations: the PostgreSQL schema in SQLite's dialect.
///
/// SwiftPM cannot ship `Resources/` files inside a binary, so the canonical SQL
/// files are embedded here; `MigrationFilesTests` fails when the two differ.
public enum SQLiteMigrations {
    /// Every migration, oldest first.
    public static let all: [SchemaMigration] = [
        SchemaMigration(
            version: 1, file: "sqlite/0001_documents.sql",
            sql: #"""
                -- Qalam schema, version 1 (SQLite): the PostgreSQL schema in SQLite's dialect.
                -- UUIDs are lowercase text, states are blobs, times are ISO 8601 UTC text.

                CREATE TABLE IF NOT EXISTS documents (
                    id TEXT PRIMARY KEY NOT NULL,
                    title TEXT,
                    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                );

                CREATE TABLE IF NOT EXISTS yjs_documents (
                    -- A random (version 4) UUID, as uuid_generate_v4() gives in PostgreSQL.
                    id TEXT PRIMARY KEY NOT NULL DEFAULT (lower(
                        hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||
                        substr(hex(randomblob(2)), 2) || '-' ||
                        substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' ||
                        hex(randomblob(6)))),
                    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
                    state BLOB NOT NULL,
                    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                );

                CREATE INDEX IF NOT EXISTS yjs_documents_document_id_idx ON yjs_documents (document_id, updated_at);

                """#),
        SchemaMigration(
            version: 2, file: "sqlite/0002_members.sql",
            sql: #"""
                -- Qalam schema, version 2 (SQLite): who may open a document, as in PostgreSQL.

                ALTER TABLE documents ADD COLUMN owner_id TEXT;

                CREATE TABLE IF NOT EXISTS document_members (
                    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
                    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                    PRIMARY KEY (document_id, user_id)
                );

                CREATE INDEX IF NOT EXISTS document_members_user_id_idx ON document_members (user_id);

                """#)
    ]
}
