import Synchronization

/// Which way a save's merge went. The store runs the merge off the autosaver's
/// actor; this carries the answer back to it once the store returns.
final class SaveRoute: Sendable {
    private let ownState = Mutex(false)

    /// The store held only what the replica contains, and its rows were not integrated.
    func tookOwnState() { ownState.withLock { $0 = true } }

    var wasOwnState: Bool { ownState.withLock { $0 } }
}
