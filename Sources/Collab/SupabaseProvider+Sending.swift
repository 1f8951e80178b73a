import Foundation
import Realtime
import RealtimeProtocol
import YCRDT

// What goes out: batches, the rate limit, awareness throttling. Split from
// SupabaseProvider.swift only for size; same actor.
extension SupabaseProvider {
    // MARK: - Outgoing

    /// The server closed us for sending too much (Supabase counts the whole
    /// project): halve our own rate, down to one a second, for `rateRecovery`.
    func slowDown() {
        slowedDownAt = .now
        limiter = BroadcastRateLimiter(limit: max(1, limiter.limit / 2))
    }

    /// Renews the local awareness state and drops silent remote ones.
    func housekeeping() {
        guard !stopped else { return }
        if let slowedDownAt, ContinuousClock.now - slowedDownAt > configuration.rateRecovery {
            self.slowedDownAt = nil
            limiter = BroadcastRateLimiter(limit: configuration.maxBroadcastsPerSecond)
        }
        checkAwareness(now: .now)
        expireWarning(now: .now)
        if awarenessDirty { scheduleAwareness() }
    }

    /// The first unsent local update starts the batch timer: everything typed in
    /// the next `batchInterval` goes out as one merged update.
    func scheduleFlush() {
        guard flushTask == nil, !stopped else { return }
        let delay = configuration.batchInterval
        flushTask = Task { [weak self] in
            try? await Task.sleep(for: delay)
            await self?.flush()
        }
    }

    func flush() {
        flushTask = nil
        guard joined, !stopped else { return }  // sent after the (re)join instead
        formBatch()
        pump()
    }

    /// Sends the cursor at most once per `awarenessThrottle`, always the newest one.
    func scheduleAwareness() {
        guard awarenessTask == nil, !stopped else { return }
        let now = ContinuousClock.now
        let wait = lastAwarenessSent.map { max(.zero, configuration.awarenessThrottle - (now - $0)) } ?? .zero
        awarenessTask = Task { [weak self] in
            if wait > .zero { try? await Task.sleep(for: wait) }
            await self?.queueAwareness()
        }
    }

    func queueAwareness() {
        awarenessTask = nil
        guard joined, awarenessDirty, !stopped else { return }
        if !outbox.contains(where: { $0.isAwareness }) {
            outbox.append(Outgoing(.awareness([])))
        }
        awarenessDirty = false
        pump()
    }

    /// Moves pending local updates into the outbox as one merged update (split into
    /// parts when too large), unless an update is already waiting there: then they
    /// keep accumulating and merge into the next one, so a slow link never queues
    /// more than one batch.
    func formBatch() {
        guard !pendingLocal.isEmpty, !outbox.contains(where: { $0.isUpdate }) else { return }
        do {
            let merged = pendingLocal.count == 1 ? pendingLocal[0] : try YUpdate.merge(pendingLocal)
            let parts = try YUpdate.split(merged, maxBytes: configuration.maxUpdateBytesPerNumberArray)
            outbox.append(contentsOf: parts.map { Outgoing(.update($0)) })
            pendingLocal = []
        } catch {
            // Our own updates always merge; if not, send them one by one rather than lose them.
            outbox.append(contentsOf: pendingLocal.map { Outgoing(.update($0)) })
            pendingLocal = []
            setWarning("could not merge local updates: \(error)")
        }
    }

    /// Sends the next message when none is in flight and the rate allows.
    func pump() {
        guard joined, inFlight == nil, !outbox.isEmpty, let channel, !stopped else { return }
        let now = ContinuousClock.now
        guard limiter.allows(at: now) else {
            // Over the rate: try again when the oldest send leaves the window.
            if pumpTask == nil {
                let wait = limiter.delay(at: now)
                pumpTask = Task { [weak self] in
                    try? await Task.sleep(for: wait)
                    await self?.pumpLater()
                }
            }
            return
        }
        // Only the request for what this side lacks leaves a viewer: no update,
        // no answer (which is an update), no cursor.
        if status.isReadOnly { outbox.removeAll { !$0.isSyncRequest } }
        guard !outbox.isEmpty else { return }
        var item = outbox.removeFirst()
        if item.isAwareness {
            item = Outgoing(.awareness(AwarenessUpdate(entries: [awareness.localEntry]).encode()))
            lastAwarenessSent = now
        }
        limiter.record(at: now)
        inFlight = item
        let current = generation
        let message = item.message
        Task { [weak self] in
            do {
                try await channel.broadcast(event: message.event, json: message.payload)
                await self?.sent(message, generation: current)
            } catch {
                await self?.sendFailed(message, error: error, generation: current)
            }
        }
    }

    func pumpLater() {
        pumpTask = nil
        pump()
    }

    func sent(_ message: ChannelMessage, generation: Int) {
        inFlight = nil
        statistics.sent[message.event, default: 0] += 1
        if case let .update(bytes) = message { statistics.updateBytesSent += bytes.count }
        // Typed while this batch was waiting: their own batch, on their own timer.
        if !pendingLocal.isEmpty { scheduleFlush() }
        refreshStatus()
        pump()
    }

    func sendFailed(_ message: ChannelMessage, error: Error, generation: Int) {
        inFlight = nil
        if case let RealtimeError.pushRejected(_, _, reason) = error, reason == RealtimeReason.unauthorizedWrite(topic)
        {
            // Demoted to viewer while the channel was open: stop sending, say so.
            becomeReadOnly()
            return
        }
        switch message {
        case let .update(bytes):
            // Not confirmed: it goes out again, first, after the re-join.
            pendingLocal.insert(bytes, at: 0)
        case .awareness:
            awarenessDirty = true
            scheduleAwareness()
        case .syncStep1, .syncStep2:
            // Not retried here: every (re)join sends a fresh step 1, and requesters
            // ask again when they re-join. Retrying at once could feed a rate limit.
            break
        }
        setWarning("\(error)")
        refreshStatus(force: true)
    }
}

/// A broadcast waiting to go out. An awareness placeholder is encoded when sent,
/// so it always carries the newest cursor.
struct Outgoing: Sendable {
    var message: ChannelMessage

    init(_ message: ChannelMessage) { self.message = message }

    var isUpdate: Bool { if case .update = message { return true } else { return false } }
    var isAwareness: Bool { if case .awareness = message { return true } else { return false } }
    var isSyncRequest: Bool { if case .syncStep1 = message { return true } else { return false } }
}

/// A sync request this editor will answer unless another peer's answer covers it.
struct PendingAnswer: Sendable {
    var request: SyncRequest
    /// State vectors of the answers other peers sent meanwhile.
    var answerStateVectors: [[UInt8]] = []
}
