import Foundation

/// What the autosaver is doing and what the writer should know about it, for
/// the status bar. Every message in it is true now: a countdown is a moment,
/// not a duration frozen when it was reported, and warnings clear when their
/// cause is gone or expire.
public struct SaveStatus: Sendable, Equatable, CustomStringConvertible {
    /// Where saving stands.
    public enum Phase: Sendable, Equatable {
        /// `load()` has not succeeded (yet); nothing will be saved.
        case notLoaded(reason: String?)
        /// Every edit made here is saved: at `at`, or, when nil, nothing was
        /// edited here since the document was loaded.
        case saved(at: Date?)
        /// Edits made here (or recovered from the crash journal) are not saved
        /// yet, the oldest made at `since`; `recovered` of them came from the journal.
        case unsaved(since: Date, recovered: Int)
        /// A save is running.
        case saving
        /// The store cannot be reached. Edits are kept on this machine (the
        /// journal and the local copy) and saved when it is back; it is tried
        /// again at `retryAt`.
        case offline(reason: String, retryAt: Date?)
        /// The last save failed for another reason (a refused statement, a
        /// state that failed its check); nothing was written, the edits are
        /// kept in the journal, and the save is retried at `retryAt`.
        case failed(reason: String, retryAt: Date?)
    }

    public var phase: Phase
    /// Why the crash journal cannot be written, while it cannot: the edits are
    /// still saved, but a crash now would lose the unsaved ones.
    public var journalProblem: String?
    /// Something worth telling the writer for a while (a recovery report, a
    /// refused update); `noticeExpires` says until when.
    public var notice: String?
    public var noticeExpires: Date?

    public init(
        phase: Phase, journalProblem: String? = nil, notice: String? = nil, noticeExpires: Date? = nil
    ) {
        self.phase = phase
        self.journalProblem = journalProblem
        self.notice = notice
        self.noticeExpires = noticeExpires
    }

    /// The phase's name, for scripts: `not_loaded`, `saved`, `unsaved`,
    /// `saving`, `offline` or `failed`.
    public var phaseName: String {
        switch phase {
        case .notLoaded: return "not_loaded"
        case .saved: return "saved"
        case .unsaved: return "unsaved"
        case .saving: return "saving"
        case .offline: return "offline"
        case .failed: return "failed"
        }
    }

    /// Whether the writer's own edits are all stored.
    public var isSaved: Bool {
        if case .saved = phase { return true }
        return false
    }

    /// The phase as a line of text, the countdown taken at `now`.
    public func phaseText(now: Date = Date()) -> String {
        switch phase {
        case let .notLoaded(reason): return reason.map { "not loaded: \($0)" } ?? "not loaded"
        case let .saved(at): return at.map { "saved at \($0)" } ?? "saved"
        case let .unsaved(_, recovered):
            return recovered > 0
                ? "unsaved changes (recovered \(recovered) edit\(recovered == 1 ? "" : "s"))" : "unsaved changes"
        case .saving: return "saving…"
        case let .offline(reason, retryAt):
            return "offline — changes are kept on this machine (\(reason))" + Self.countdown(to: retryAt, now: now)
        case let .failed(reason, retryAt):
            return "not saved: \(reason)" + Self.countdown(to: retryAt, now: now)
        }
    }

    /// The journal's problem as the writer reads it.
    public var journalText: String? { journalProblem.map { "edits are not crash-safe: \($0)" } }

    /// Everything to show, the countdown taken at `now`; an expired notice is left out.
    public func text(now: Date = Date()) -> String {
        var parts = [phaseText(now: now)]
        if let journalText { parts.append(journalText) }
        if let notice, noticeExpires.map({ $0 > now }) ?? true { parts.append(notice) }
        return parts.joined(separator: "; ")
    }

    public var description: String { text() }

    /// "; next try in 3 s" (rounded up, never below 0).
    static func countdown(to moment: Date?, now: Date) -> String {
        guard let moment else { return "" }
        let seconds = max(0, Int(moment.timeIntervalSince(now).rounded(.up)))
        return seconds == 0 ? "; trying again now" : "; next try in \(seconds) s"
    }
}
