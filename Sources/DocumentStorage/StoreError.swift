/// Why a store could not do what was asked. Every case says what to check.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    /// The database could not be reached or refused the connection.
    case connectionFailed(String)
    /// A statement failed; `reason` is the database's own message.
    case queryFailed(statement: String, reason: String)
    /// The stored schema is newer than this build understands, or is damaged.
    case schemaMismatch(String)
    /// The store was used after `close()`.
    case closed

    public var description: String {
        switch self {
        case let .connectionFailed(reason):
            return
                "cannot connect to the document database: \(reason). Check DATABASE_URL (or the SQLite path) and that the server is running."
        case let .queryFailed(statement, reason):
            return "the document database refused \(statement): \(reason)"
        case let .schemaMismatch(reason):
            return
                "the document database's schema is not one this version of Qalam can use: \(reason). Run `qalam db migrate`."
        case .closed:
            return "the document store was already closed"
        }
    }
}
