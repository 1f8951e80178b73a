import Foundation

/// What a member may do with a document (`document_members.role`).
public enum DocumentRole: String, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// Reads the document and follows it live; sends nothing that changes it.
    case viewer
    /// Also changes the document.
    case editor
    /// Also manages the members. The user who created the document.
    case owner

    /// Whether the role may change the document (broadcast updates, `PUT` its state).
    public var canWrite: Bool { self != .viewer }

    public var description: String { rawValue }

    public static func < (lhs: DocumentRole, rhs: DocumentRole) -> Bool {
        lhs.rank < rhs.rank
    }

    private var rank: Int {
        switch self {
        case .viewer: return 0
        case .editor: return 1
        case .owner: return 2
        }
    }
}

/// One row of `document_members`.
public struct DocumentMember: Sendable, Hashable {
    /// The user: a JWT's `sub`.
    public let userID: UUID
    public let role: DocumentRole

    public init(userID: UUID, role: DocumentRole) {
        self.userID = userID
        self.role = role
    }
}

/// A user's standing with a document.
public enum DocumentAccess: Sendable, Equatable {
    /// No `documents` row has this id.
    case noSuchDocument
    /// The document exists and the user is not one of its members.
    case notMember
    /// The user is a member with this role.
    case member(DocumentRole)

    /// The role, when the user is a member.
    public var role: DocumentRole? {
        if case let .member(role) = self { return role }
        return nil
    }
}
