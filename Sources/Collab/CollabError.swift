/// Why the collaboration layer refused something. Every case says what to check.
public enum CollabError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A channel message did not have the shape of the event it claimed to be.
    case malformedMessage(event: String, reason: String)
    /// A peer speaks a newer version of Qalam's sync events than this build.
    case protocolMismatch(event: String, theirs: Int, ours: Int)
    /// A Yjs update or state vector from the network could not be decoded.
    case invalidUpdate(event: String, reason: String)
    /// The session was used after `close()`.
    case closed
    /// The document could not be loaded, so nothing will be saved over it.
    case loadFailed(String)
    /// The configuration cannot work (e.g. a payload limit too small to carry an update).
    case invalidConfiguration(String)
    /// The user may only read this document (a viewer): local changes are not sent.
    case readOnly

    public var description: String {
        switch self {
        case let .malformedMessage(event, reason):
            return "ignored a malformed \(event) message: \(reason)"
        case let .protocolMismatch(event, theirs, ours):
            return
                "a peer sent \(event) with Qalam sync protocol \(theirs), this build speaks \(ours): upgrade qalam on every machine editing this document"
        case let .invalidUpdate(event, reason):
            return "ignored a \(event) message whose Yjs data is invalid: \(reason)"
        case .closed:
            return "the editing session is already closed"
        case let .loadFailed(reason):
            return
                "cannot load the document: \(reason). Nothing will be saved until it loads; check the database and try again."
        case let .invalidConfiguration(reason):
            return "invalid collaboration settings: \(reason)"
        case .readOnly:
            return "this document is shared with you read-only: ask its owner to make you an editor"
        }
    }
}
