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
