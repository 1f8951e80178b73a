import Foundation

/// Updates recorded since the last save began, filled synchronously from the
/// document's update callback and drained by the autosaver.
///
/// Appending to the inbox and to the journal happen under one lock, so the
/// journal mark taken at a drain covers exactly the drained updates. An update
/// the journal could not take is kept in `unjournaled` until a save commits it
/// or the journal takes it after all; while any is there the journal is
/// failing and the status says so.
final class UpdateInbox: @unchecked Sendable {
    /// One recorded update.
    struct Entry {
        let update: [UInt8]
        /// Made by this editor (not received from another one).
        let isLocal: Bool
        /// Already in the autosaver's replica (a received update, applied
        /// when it was checked): only journaled and counted, not applied again.
        var isApplied = false
    }

    /// What `append` changed that the autosaver must react to.
    struct AppendOutcome {
        /// The inbox was empty before: wake the autosaver (once per batch, not per key).
        var wasEmpty: Bool
        /// The journal started or stopped failing with this append.
        var journalHealthChanged: Bool
    }

    private let lock = NSLock()
    private let journal: Journal?
    // Guarded by `lock`:
    private var entries: [Entry] = []
    private var sequence = 0
    private var unjournaled: [(sequence: Int, update: [UInt8])] = []
    private var journalFailure: PersistenceError?

    init(journal: Journal?) {
        self.journal = journal
    }

    /// Adds an update, journaling it first.
    func append(_ update: [UInt8], isLocal: Bool, isApplied: Bool = false) -> AppendOutcome {
        lock.withLock {
            let wasFailing = journalFailure != nil
            sequence += 1
            if let journal {
                // Older updates the journal refused go first, so it keeps their order.
                retryUnjournaledLocked(journal)
                if unjournaled.isEmpty {
                    do {
                        try journal.append(update)
                    } catch {
                        unjournaled.append((sequence, update))
                        journalFailure =
                            error as? PersistenceError ?? .journal(path: journal.url.path, reason: "\(error)")
                    }
                } else {
                    unjournaled.append((sequence, update))
                }
            }
            entries.append(Entry(update: update, isLocal: isLocal, isApplied: isApplied))
            return AppendOutcome(
                wasEmpty: entries.count == 1, journalHealthChanged: wasFailing != (journalFailure != nil))
        }
    }

    /// Takes every update, with the journal mark and the sequence number that cover them.
    func drain() -> (entries: [Entry], mark: Journal.Mark?, sequence: Int) {
        lock.withLock {
            let drained = entries
            entries = []
            return (drained, journal?.mark, sequence)
        }
    }

    /// Puts drained updates back in front, when they could not be used.
    func restore(_ drained: [Entry]) {
        guard !drained.isEmpty else { return }
        lock.withLock { entries = drained + entries }
    }

    var isEmpty: Bool { lock.withLock { entries.isEmpty } }

    /// Whether any update waiting here was made by this editor.
    var hasLocal: Bool { lock.withLock { entries.contains(where: \.isLocal) } }

    /// A save containing every update up to `sequence` committed: those the
    /// journal could not take are safe now.
    func committed(through sequence: Int) {
        lock.withLock {
            unjournaled.removeAll { $0.sequence <= sequence }
            if unjournaled.isEmpty { journalFailure = nil }
        }
    }

    /// Tries again to journal what the journal refused; returns whether it is healthy now.
    @discardableResult
    func retryJournal() -> Bool {
        lock.withLock {
            if let journal { retryUnjournaledLocked(journal) }
            return journalFailure == nil
        }
    }

    /// Why the journal is failing, while it is.
    var journalProblem: PersistenceError? { lock.withLock { journalFailure } }

    private func retryUnjournaledLocked(_ journal: Journal) {
        guard !unjournaled.isEmpty else { return }
        while let first = unjournaled.first {
            do {
                try journal.append(first.update)
            } catch {
                journalFailure = error as? PersistenceError ?? .journal(path: journal.url.path, reason: "\(error)")
                return
            }
            unjournaled.removeFirst()
        }
        journalFailure = nil
    }
}
