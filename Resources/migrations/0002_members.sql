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
