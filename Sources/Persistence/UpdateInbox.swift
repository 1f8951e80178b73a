import Foundation

/// Updates recorded since the last save began, filled synchronously from the
/// document's update callback and drained by the autosaver.
///
/// Appending to the inbox and to the journal happen under one lock, so the
/// journal mark taken at a drain covers exactly the drained updates.
final class UpdateInbox: @unchecked Sendable {
    private let lock = NSLock()
    private let journal: Journal?
    // Guarded by `lock`:
    private var updates: [[UInt8]] = []
    private var journalFailure: PersistenceError?

    init(journal: Journal?) {
        self.journal = journal
    }

    /// Adds an update; returns whether the inbox was empty before, so the
    /// caller wakes the autosaver once per batch rather than once per key.
    func append(_ update: [UInt8]) -> Bool {
        lock.withLock {
            do {
                try journal?.append(update)
            } catch let error as PersistenceError {
                // The update is still kept in memory and saved; only its crash
                // safety is gone, which the status reports.
                journalFailure = error
            } catch {}
            updates.append(update)
            return updates.count == 1
        }
    }

    /// Takes every update, with the journal mark that covers them.
    func drain() -> (updates: [[UInt8]], mark: Journal.Mark?) {
        lock.withLock {
            let drained = updates
            updates = []
            return (drained, journal?.mark)
        }
    }

    /// Puts drained updates back in front, when they could not be used.
    func restore(_ drained: [[UInt8]]) {
        guard !drained.isEmpty else { return }
        lock.withLock { updates = drained + updates }
    }

    var isEmpty: Bool { lock.withLock { updates.isEmpty } }

    /// The last journal write failure, cleared by reading it.
    func takeJournalFailure() -> PersistenceError? {
        lock.withLock {
            defer { journalFailure = nil }
            return journalFailure
        }
    }
}
