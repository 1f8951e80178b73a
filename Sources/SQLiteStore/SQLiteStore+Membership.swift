import DocumentStorage
import Foundation

extension SQLiteStore: MembershipStore {
    public func access(of user: UUID, to document: DocumentID) async throws -> DocumentAccess {
        try await perform { connection in
            try Self.access(of: user, to: document, on: connection)
        }
    }

    public func accessCreatingIfMissing(user: UUID, document: DocumentID) async throws -> DocumentAccess {
        try await perform { connection in
            try Self.transaction(on: connection) {
                // The write lock is held from BEGIN IMMEDIATE on, so no one else can
                // create the document between this check and the insert.
                if try Self.access(of: user, to: document, on: connection) == .noSuchDocument {
                    try connection.query(
                        "INSERT INTO documents (id, title, owner_id) VALUES (?, ?, ?)",
                        [.text(document.description), .text(document.name), .text(user.lowercased)])
                    try connection.query(
                        "INSERT INTO document_members (document_id, user_id, role) VALUES (?, ?, 'owner')",
                        [.text(document.description), .text(user.lowercased)])
                }
                return try Self.access(of: user, to: document, on: connection)
            }
        }
    }

    public func share(_ document: DocumentID, with user: UUID, role: DocumentRole) async throws {
        try await perform { connection in
            try Self.transaction(on: connection) {
                let current = try Self.access(of: user, to: document, on: connection)
                if current == .member(.owner), role != .owner {
                    throw MembershipError.cannotChangeOwner(document: document.name, user: user)
                }
                try connection.query(
                    "INSERT OR IGNORE INTO documents (id, title) VALUES (?, ?)",
                    [.text(document.description), .text(document.name)])
                try connection.query(
                    """
                    INSERT INTO document_members (document_id, user_id, role) VALUES (?, ?, ?)
                    ON CONFLICT (document_id, user_id) DO UPDATE SET role = excluded.role
                    """,
                    [.text(document.description), .text(user.lowercased), .text(role.rawValue)])
            }
        }
    }

    @discardableResult
    public func unshare(_ document: DocumentID, from user: UUID) async throws -> Bool {
        try await perform { connection in
            try Self.transaction(on: connection) {
                let current = try Self.access(of: user, to: document, on: connection)
                if current == .member(.owner) {
                    throw MembershipError.cannotChangeOwner(document: document.name, user: user)
                }
                guard case .member = current else { return false }
                try connection.query(
                    "DELETE FROM document_members WHERE document_id = ? AND user_id = ?",
                    [.text(document.description), .text(user.lowercased)])
                return true
            }
        }
    }

    public func members(of document: DocumentID) async throws -> [DocumentMember]? {
        try await perform { connection in
            let exists = try connection.query("SELECT 1 FROM documents WHERE id = ?", [.text(document.description)])
            guard !exists.isEmpty else { return nil }
            let rows = try connection.query(
                "SELECT user_id, role FROM document_members WHERE document_id = ?", [.text(document.description)])
            return DocumentMember.sorted(
                rows.compactMap { row in
                    guard row.count == 2, let user = row[0], let role = row[1] else { return nil }
                    return DocumentMember(userText: user, roleText: role)
                })
        }
    }

    // MARK: - Internals

    private static func access(of user: UUID, to document: DocumentID, on connection: SQLiteConnection) throws
        -> DocumentAccess
    {
        let exists = try connection.query("SELECT 1 FROM documents WHERE id = ?", [.text(document.description)])
        guard !exists.isEmpty else { return .noSuchDocument }
        let rows = try connection.query(
            "SELECT role FROM document_members WHERE document_id = ? AND user_id = ?",
            [.text(document.description), .text(user.lowercased)])
        guard let raw = rows.first?.first ?? nil,
            let role = DocumentRole(rawValue: String(decoding: raw, as: UTF8.self))
        else { return .notMember }
        return .member(role)
    }

    /// Runs `body` in a write transaction (BEGIN IMMEDIATE), rolled back when it throws.
    private static func transaction<T>(on connection: SQLiteConnection, _ body: () throws -> T) throws -> T {
        try connection.execute("BEGIN IMMEDIATE")
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
