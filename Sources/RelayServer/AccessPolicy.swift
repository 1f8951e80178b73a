import DocumentStorage
import Foundation
import RealtimeProtocol

/// What a caller may do on a channel or with a document, once allowed in.
struct Grant: Sendable, Equatable {
    /// Broadcast on the channel, `PUT` the document.
    let canWrite: Bool
    /// The caller's role in the document (`owner`, `editor`, `viewer`), or
    /// `service_role`; `nil` on channels that are not documents and on an open relay.
    let role: String?

    static let open = Grant(canWrite: true, role: nil)
}

/// Why a caller is kept out.
enum Denial: Error, Sendable, Equatable {
    /// Not a member of the document (or no user to be one, or a private channel no
    /// policy opens).
    case notMember
    /// The membership could not be read (the database is down, say).
    case unavailable(String)
}

/// A channel name (`room:<uuid>`) that names a document.
enum DocumentTopic: Equatable {
    /// Not a document channel.
    case other
    /// `room:<uuid>`.
    case document(DocumentID)
    /// `room:` followed by something that is not a UUID as PostgreSQL prints it
    /// (lower case): no document, or not the one channel its editors share.
    case invalid

    static let prefix = "room:"

    init(channel name: String) {
        guard name.hasPrefix(Self.prefix) else {
            self = .other
            return
        }
        let id = String(name.dropFirst(Self.prefix.count))
        // Only the canonical spelling: Foundation also takes upper case and stops
        // reading at a NUL, and Supabase's policy compares `'room:' || id::text`.
        if let uuid = UUID(uuidString: id), uuid.uuidString.lowercased() == id {
            self = .document(DocumentID(uuid: uuid))
        } else {
            self = .invalid
        }
    }
}

/// Decides, from document membership, who may join, receive, send and read: the
/// private-channel semantics of docs/reference/realtime-protocol.md §7, with
/// `document_members` where Supabase has RLS policies on `realtime.messages`.
///
/// - Document channels (`room:<uuid>`, public or private): members join, receive and
///   track presence; editors and owners also broadcast. A document that does not
///   exist yet is created on first join, with the caller as owner.
/// - Other public channels: any valid token (Supabase's public channels).
/// - Other private channels: no policy opens them, so only the service role.
/// - `service_role` bypasses every check. Without a JWT secret (an open relay for
///   tests) everything is allowed.
struct AccessPolicy: Sendable {
    /// Whether tokens are checked at all; `false` for an open relay.
    let authenticates: Bool
    let membership: (any MembershipStore)?

    /// What `caller` may do on channel `name` (without `realtime:`).
    /// - Parameter create: create a missing document with the caller as owner (joins).
    func channel(_ name: String, isPrivate: Bool, caller: Caller?, create: Bool) async -> Result<Grant, Denial> {
        guard authenticates else { return .success(.open) }
        guard let caller else { return .failure(.notMember) }
        switch DocumentTopic(channel: name) {
        case let .document(document):
            return await self.document(document, caller: caller, create: create)
        case .invalid:
            return caller.bypassesMembership
                ? .success(Grant(canWrite: true, role: Caller.serviceRole)) : .failure(.notMember)
        case .other:
            if caller.bypassesMembership { return .success(Grant(canWrite: true, role: Caller.serviceRole)) }
            return isPrivate ? .failure(.notMember) : .success(Grant(canWrite: true, role: nil))
        }
    }

    /// What `caller` may do with `document`.
    /// - Parameter create: create it with the caller as owner when it does not exist.
    func document(_ document: DocumentID, caller: Caller?, create: Bool) async -> Result<Grant, Denial> {
        guard authenticates else { return .success(.open) }
        guard let caller else { return .failure(.notMember) }
        if caller.bypassesMembership { return .success(Grant(canWrite: true, role: Caller.serviceRole)) }
        // A relay with a secret and no membership table lets only the service role in.
        guard let membership, let user = caller.userID else { return .failure(.notMember) }
        let access: DocumentAccess
        do {
            access =
                create
                ? try await membership.accessCreatingIfMissing(user: user, document: document)
                : try await membership.access(of: user, to: document)
        } catch {
            return .failure(.unavailable("\(error)"))
        }
        guard let role = access.role else { return .failure(.notMember) }
        return .success(Grant(canWrite: role.canWrite, role: role.rawValue))
    }
}
