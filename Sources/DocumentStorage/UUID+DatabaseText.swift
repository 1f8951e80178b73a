import Foundation

extension UUID {
    /// The lowercase text form: how PostgreSQL prints a UUID and how every store
    /// keeps user ids, so rows written by either store compare equal as text.
    public var lowercased: String { uuidString.lowercased() }
}
