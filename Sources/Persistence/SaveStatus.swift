import Foundation

/// What the autosaver is doing, for the status bar.
public enum SaveStatus: Sendable, Equatable, CustomStringConvertible {
    /// `load()` has not succeeded (yet); nothing will be saved.
    case notLoaded(reason: String?)
    /// Everything is saved: at `at`, or, when nil, nothing changed since load.
    case saved(at: Date?)
    /// Changes not saved yet, the oldest made at `since`.
    case unsaved(since: Date)
    /// A save is running.
    case saving
    /// The last save failed; the changes are kept (and journaled) and the
    /// save is retried in `retryIn`.
    case failed(reason: String, retryIn: Duration)

    public var description: String {
        switch self {
        case let .notLoaded(reason): return reason.map { "not loaded: \($0)" } ?? "not loaded"
        case let .saved(at): return at.map { "saved at \($0)" } ?? "saved"
        case let .unsaved(since): return "unsaved since \(since)"
        case .saving: return "saving…"
        case let .failed(reason, retryIn): return "save failed (\(reason)); retrying in \(retryIn.components.seconds) s"
        }
    }
}
