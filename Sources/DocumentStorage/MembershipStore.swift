import Foundation

/// Who may open which document: `documents.owner_id` and the `document_members`
/// table of the shared schema (migration 2).
///
/// Kept apart from `DocumentStore`, which carries the Yjs state: a relay asks
/// this before it lets anyone near the state, and the two change for different
/// reasons. `SQLiteStore` and `PostgresStore` implement both.
public protocol MembershipStore: Sendable {
    /// The user's standing with the document; creates nothing.
    func access(of user: UUID, to document: DocumentID) async throws -> DocumentAccess

    /// The user's standing with the document, after creating it with the user as
    /// its owner (`documents.owner_id` and an `owner` member row) if it did not
    /// exist. Atomic: of two users creating the same document at once, one owns it
    /// and the other is `.notMember`.
    func accessCreatingIfMissing(user: UUID, document: DocumentID) async throws -> DocumentAccess

    /// Makes the user a member with `role` (adding or changing the row), creating
    /// the document without an owner if it does not exist.
    ///
    /// - Throws: `MembershipError.cannotChangeOwner` when the user owns the document
    ///   and `role` is not `.owner`: an owner is never demoted by accident.
    func share(_ document: DocumentID, with user: UUID, role: DocumentRole) async throws

    /// Removes the user's membership.
    ///
    /// - Returns: whether the user was a member.
    /// - Throws: `MembershipError.cannotChangeOwner` for the owner.
    @discardableResult
    func unshare(_ document: DocumentID, from user: UUID) async throws -> Bool

    /// The members, owner first, then by role and user id; `nil` when the
    /// document does not exist.
    func members(of document: DocumentID) async throws -> [DocumentMember]?
}

/// Why a membership change was refused.
public enum MembershipError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The change would demote or remove the document's owner.
    case cannotChangeOwner(document: String, user: UUID)

    public var description: String {
        switch self {
        case let .cannotChangeOwner(document, user):
            return
                "\(user.uuidString.lowercased()) owns \(document): the owner keeps the document and cannot be demoted or removed"
        }
    }
}
