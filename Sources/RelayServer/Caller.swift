import Foundation
import RealtimeProtocol

/// Who a verified token speaks for: its `role`, and its user (`sub`) when that is a UUID.
struct Caller: Sendable, Equatable {
    /// Supabase's role that bypasses row-level security; here, every membership check.
    static let serviceRole = "service_role"

    let role: String
    let userID: UUID?

    /// `nil` for claims without a string `role` (the verifier refuses those anyway).
    init?(claims: JSONValue) {
        guard let role = claims["role"]?.stringValue else { return nil }
        self.role = role
        userID = claims["sub"]?.stringValue.flatMap(UUID.init(uuidString:))
    }

    init(role: String, userID: UUID?) {
        self.role = role
        self.userID = userID
    }

    var bypassesMembership: Bool { role == Self.serviceRole }
}
