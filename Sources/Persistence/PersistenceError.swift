import DocumentStorage

/// Why the autosaver or the journal could not do what was asked.
public enum PersistenceError: Error, CustomStringConvertible, Sendable {
    /// A save was asked for before `load()` succeeded; saving then could
    /// overwrite the stored document with an empty one.
    case notLoaded(document: String)
    /// The journal file could not be created, written or synced.
    case journal(path: String, reason: String)
    /// This machine's copy of the last saved state could not be written.
    case localCopy(path: String, reason: String)
    /// An update could not be applied (it is not a valid Yjs update, or one
    /// the document refuses).
    case invalidUpdate(String)
    /// The autosaver was closed.
    case closed

    public var description: String {
        switch self {
        case let .notLoaded(document):
            return
                "document \(document) was not loaded from the database, so Qalam will not save it (that could overwrite what is stored); your edits are kept in the crash journal — fix the database connection and reopen the document"
        case let .journal(path, reason):
            return
                "cannot use the crash journal \(path): \(reason). Check that the directory is writable and the disk is not full"
        case let .localCopy(path, reason):
            return
                "cannot write this machine's copy of the document, \(path): \(reason). Check that the directory is writable and the disk is not full"
        case let .invalidUpdate(reason):
            return "an update was refused: \(reason)"
        case .closed:
            return "the autosaver was already closed"
        }
    }

    /// The reason alone, for "edits are not crash-safe: <reason>".
    var shortReason: String {
        switch self {
        case let .journal(path, reason), let .localCopy(path, reason): return "\(reason) (\(path))"
        default: return description
        }
    }
}
