import DocumentStorage
import Foundation

extension PostgresStore: MembershipStore {
    public func access(of user: UUID, to document: DocumentID) async throws -> DocumentAccess {
        try await perform { connection in
            try Self.access(of: user, to: document, on: connection)
        }
    }

    public func accessCreatingIfMissing(user: UUID, document: DocumentID) async throws -> DocumentAccess {
        try await perform { connection in
            try Self.transaction(on: connection) {
                // Of two creators racing, the second one's insert waits for the first
                // to commit and then inserts nothing: only one becomes the owner.
                let created = try connection.query(
                    """
                    INSERT INTO documents (id, title, owner_id) VALUES ($1, $2, $3)
                    ON CONFLICT (id) DO NOTHING RETURNING id
                    """,
                    [.uuid(document.description), .text(document.name), .uuid(user.lowercased)])
                if !created.isEmpty {
                    try connection.query(
                        "INSERT INTO document_members (document_id, user_id, role) VALUES ($1, $2, 'owner')",
                        [.uuid(document.description), .uuid(user.lowercased)])
                }
                return try Self.access(of: user, to: document, on: connection)
            }
        }
    }

    public func share(_ document: DocumentID, with user: UUID, role: DocumentRole) async throws {
        try await perform { connection in
            try Self.transaction(on: connection) {
                try connection.query(
                    "INSERT INTO documents (id, title) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
                    [.uuid(document.description), .text(document.name)])
                // Membership changes of one document take turns.
                try connection.query("SELECT id FROM documents WHERE id = $1 FOR UPDATE", [.uuid(document.description)])
                if try Self.access(of: user, to: document, on: connection) == .member(.owner), role != .owner {
                    throw MembershipError.cannotChangeOwner(document: document.name, user: user)
                }
                try connection.query(
                    """
                    INSERT INTO document_members (document_id, user_id, role) VALUES ($1, $2, $3)
                    ON CONFLICT (document_id, user_id) DO UPDATE SET role = excluded.role
                    """,
                    [.uuid(document.description), .uuid(user.lowercased), .text(role.rawValue)])
            }
        }
    }

    @discardableResult
    public func unshare(_ document: DocumentID, from user: UUID) async throws -> Bool {
        try await perform { connection in
            try Self.transaction(on: connection) {
                try connection.query("SELECT id FROM documents WHERE id = $1 FOR UPDATE", [.uuid(document.description)])
                let current = try Self.access(of: user, to: document, on: connection)
                if current == .member(.owner) {
                    throw MembershipError.cannotChangeOwner(document: document.name, user: user)
                }
                guard case .member = current else { return false }
                try connection.query(
                    "DELETE FROM document_members WHERE document_id = $1 AND user_id = $2",
                    [.uuid(document.description), .uuid(user.lowercased)])
                return true
            }
        }
    }

    public func members(of document: DocumentID) async throws -> [DocumentMember]? {
        try await perform { connection in
            let exists = try connection.query("SELECT 1 FROM documents WHERE id = $1", [.uuid(document.description)])
            guard !exists.isEmpty else { return nil }
            let rows = try connection.query(
                "SELECT user_id::text, role FROM document_members WHERE document_id = $1",
                [.uuid(document.description)])
            return DocumentMember.sorted(
                rows.compactMap { row in
                    guard row.count == 2, let user = row[0], let role = row[1] else { return nil }
                    return DocumentMember(userText: user, roleText: role)
                })
        }
    }

    // MARK: - Internals

    private static func access(of user: UUID, to document: DocumentID, on connection: PostgresConnection) throws
        -> DocumentAccess
    {
        let exists = try connection.query("SELECT 1 FROM documents WHERE id = $1", [.uuid(document.description)])
        guard !exists.isEmpty else { return .noSuchDocument }
        let rows = try connection.query(
            "SELECT role FROM document_members WHERE document_id = $1 AND user_id = $2",
            [.uuid(document.description), .uuid(user.lowercased)])
        guard let raw = rows.first?.first ?? nil,
            let role = DocumentRole(rawValue: String(decoding: raw, as: UTF8.self))
        else { return .notMember }
        return .member(role)
    }

    /// Runs `body` in a transaction, rolled back when it throws.
    private static func transaction<T>(on connection: PostgresConnection, _ body: () throws -> T) throws -> T {
        try connection.execute("BEGIN")
        do {
            let result = try body()
            try connection.execute("COMMIT")
            return result
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }
}
