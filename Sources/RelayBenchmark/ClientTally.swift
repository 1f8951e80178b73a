import Foundation

/// What one simulated user sent and received.
///
/// Written by the client's own send and receive tasks at up to a thousand events a
/// second and read by the driver while the run drains. An actor would put a task hop
/// on every delivery and make the load generator measure itself, so a plain lock
/// (uncontended almost always) guards it instead.
final class ClientTally: @unchecked Sendable {
    struct Snapshot {
        var sent = 0
        var received = 0
        /// Deliveries whose sequence number did not follow the sender's previous one.
        var outOfOrder = 0
        /// Frames that were not load payloads (or could not be decoded).
        var foreign = 0
        var lastReceiveNs: UInt64 = 0
        var latency = LatencyHistogram()
        var ready = false
        var sendingDone = false
        /// The client's connection is closed and its task returned.
        var finished = false
        var failure: String?
        /// Times the client's channel dropped out after joining (socket lost, heartbeat
        /// timeout) and had to rejoin; broadcasts in flight then are lost.
        var rejoins = 0
    }

    private let lock = NSLock()
    private var state = Snapshot()
    private var lastSequence: [UInt32: UInt32] = [:]

    var snapshot: Snapshot { lock.withLock { state } }

    func markReady() { lock.withLock { state.ready = true } }
    func markSent() { lock.withLock { state.sent += 1 } }
    func markSendingDone() { lock.withLock { state.sendingDone = true } }
    func markFinished() { lock.withLock { state.finished = true } }
    func markRejoin() { lock.withLock { state.rejoins += 1 } }
    func fail(_ reason: String) { lock.withLock { if state.failure == nil { state.failure = reason } } }

    /// Counts one received broadcast whose payload bytes are `bytes`.
    func receive<Bytes: Collection>(_ bytes: Bytes, at now: UInt64 = MonotonicClock.nanoseconds())
    where Bytes.Element == UInt8 {
        guard let payload = LoadPayload(decoding: bytes) else {
            lock.withLock { state.foreign += 1 }
            return
        }
        let micros = now > payload.sentAt ? (now - payload.sentAt) / 1000 : 0
        lock.withLock {
            state.received += 1
            state.lastReceiveNs = max(state.lastReceiveNs, now)
            state.latency.record(microseconds: micros)
            if let previous = lastSequence[payload.sender], payload.sequence != previous &+ 1 {
                state.outOfOrder += 1
            }
            lastSequence[payload.sender] = payload.sequence
        }
    }

    func foreignFrame() { lock.withLock { state.foreign += 1 } }
}
