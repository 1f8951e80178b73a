import Foundation

/// The identity of a shared document: the `documents.id` UUID that the web app
/// uses, and the channel topic `room:<id>` derives from.
///
/// Writers name documents on the command line (`qalam edit notes`). A name that
/// is a UUID is that document; any other name maps to a name-based UUID
/// (version 5, SHA-1, in Qalam's namespace), so every editor that opens the same
/// name meets in the same document without a lookup service.
public struct DocumentID: Hashable, Sendable, CustomStringConvertible {
    /// The document's UUID.
    public let uuid: UUID
    /// The name the writer used, or the UUID string when opened by id.
    public let name: String

    /// Qalam's namespace for name-based document ids.
    static let namespace = UUID(uuidString: "2f1c4a7e-5b0d-4f58-9c3e-7a1d6b2e9f40")!

    public init(uuid: UUID, name: String? = nil) {
        self.uuid = uuid
        self.name = name ?? uuid.uuidString.lowercased()
    }

    /// The document a writer means by `name`.
    public init(name: String) {
        if let uuid = UUID(uuidString: name) {
            self.init(uuid: uuid, name: name)
        } else {
            self.init(uuid: UUID(nameBased: name, namespace: Self.namespace), name: name)
        }
    }

    /// The lowercase UUID string, as PostgreSQL prints it.
    public var description: String { uuid.uuidString.lowercased() }
}

extension UUID {
    /// A version 5 (SHA-1, name-based) UUID as RFC 4122 §4.3 defines it.
    init(nameBased name: String, namespace: UUID) {
        var bytes = withUnsafeBytes(of: namespace.uuid) { Array($0) }
        bytes += Array(name.utf8)
        var digest = Array(SHA1.hash(bytes).prefix(16))
        digest[6] = (digest[6] & 0x0F) | 0x50
        digest[8] = (digest[8] & 0x3F) | 0x80
        self = digest.withUnsafeBytes { UUID(uuid: $0.load(as: uuid_t.self)) }
    }
}
