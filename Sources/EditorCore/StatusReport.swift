import Foundation

/// The link to the other editors as the status bar shows it (the network layer's
/// own states are richer; the backend boils them down to these).
public enum ConnectionIndicator: Equatable, Sendable {
    /// No network at all (tests, a document of one's own).
    case local
    /// The first connection is being made.
    case connecting
    /// Connected; the first exchange with the others is under way.
    case syncing
    /// Connected and in step with the others.
    case connected
    /// The link dropped; the next attempt is at `retryAt` (nil: unknown).
    case reconnecting(retryAt: Date?)
    /// Not connected and not trying.
    case offline(reason: String?)

    /// The words for the status bar at `now`.
    public func text(at now: Date) -> String {
        switch self {
        case .local: return "local"
        case .connecting: return "connecting"
        case .syncing: return "syncing"
        case .connected: return "connected"
        case let .reconnecting(retryAt?):
            let seconds = Int(retryAt.timeIntervalSince(now).rounded(.up))
            return seconds > 0 ? "reconnecting in \(seconds) s" : "reconnecting"
        case .reconnecting(nil): return "reconnecting"
        case let .offline(reason?): return "offline: \(reason)"
        case .offline(nil): return "offline"
        }
    }
}

/// Whether the document is safely stored, as the status bar shows it.
public enum SaveIndicator: Equatable, Sendable {
    /// Saved at that moment (nil: nothing changed since it was opened).
    case saved(at: Date?)
    case saving
    case unsaved
    /// The last save failed and is retried; the edits are kept meanwhile.
    case failed(reason: String)
    /// Not saved yet and tried again at `at` (the store is unreachable, or a save
    /// failed its check): `text` says why, and the status bar counts down to `at`.
    case retrying(text: String, at: Date?)

    /// The words for the status bar at `now`.
    public func text(at now: Date) -> String {
        switch self {
        case let .saved(at):
            guard let at else { return "saved" }
            let seconds = max(0, Int(now.timeIntervalSince(at)))
            if seconds < 5 { return "saved just now" }
            if seconds < 60 { return "saved \(seconds) s ago" }
            if seconds < 3600 { return "saved \(seconds / 60) min ago" }
            return "saved \(seconds / 3600) h ago"
        case .saving: return "saving…"
        case .unsaved: return "unsaved changes"
        case .failed: return "save failed — retrying"
        case let .retrying(text, at?):
            let seconds = max(0, Int(at.timeIntervalSince(now).rounded(.up)))
            return seconds == 0 ? "\(text) — trying again now" : "\(text) — next try in \(seconds) s"
        case let .retrying(text, nil): return text
        }
    }
}

/// What the backend tells the editor about the document's safety, for the status
/// bar and for the quit warning.
public struct StatusReport: Equatable, Sendable {
    public var connection: ConnectionIndicator
    public var save: SaveIndicator
    /// Local edits the others have not received yet.
    public var unsyncedChanges: Int
    /// Why the link is down and what to do about it ("port 4000 is used by
    /// another program — free it or pass --relay-url"); shown beside the connection.
    public var hint: String?
    /// Anything else the backend wants in the status bar (kept short).
    public var detail: String?

    public init(
        connection: ConnectionIndicator, save: SaveIndicator, unsyncedChanges: Int = 0, hint: String? = nil,
        detail: String? = nil
    ) {
        self.connection = connection
        self.save = save
        self.unsyncedChanges = unsyncedChanges
        self.hint = hint
        self.detail = detail
    }

    /// A document with no network and nothing to save.
    public static let local = StatusReport(connection: .local, save: .saved(at: nil))

    /// Nothing would be lost by quitting now.
    public var isSettled: Bool {
        if unsyncedChanges > 0 { return false }
        if case .saved = save { return true }
        return false
    }
}
