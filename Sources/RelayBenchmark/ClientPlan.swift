/// What one simulated user does: join its room, wait for the start, send `messages`
/// broadcasts one `period` apart (offset by `phase` so users do not send in lockstep),
/// then stay connected until the driver says stop.
struct ClientPlan: Sendable {
    /// The user's number, unique in the run; it is the sender field of its payloads.
    let sender: UInt32
    let room: Int
    let port: Int
    let messages: Int
    let period: Duration
    let phase: Duration
    let payloadBytes: Int
    let start: Gate<ContinuousClock.Instant>
    let stop: Gate<Bool>

    /// The Realtime channel name of the user's room.
    var channelName: String { "bench-\(room)" }

    /// Sends the plan's broadcasts on schedule through `send`, counting each in `tally`.
    /// A late send goes out at once rather than being skipped, so a server that falls
    /// behind shows up as latency, not as fewer messages.
    func sendAll(tally: ClientTally, send: ([UInt8]) async throws -> Void) async {
        let start = await self.start.wait()
        for sequence in 0..<messages {
            try? await Task.sleep(until: start + phase + period * sequence, clock: .continuous)
            if Task.isCancelled { break }
            let payload = LoadPayload(sentAt: MonotonicClock.nanoseconds(), sender: sender, sequence: UInt32(sequence))
            do {
                try await send(payload.encoded(size: payloadBytes))
                tally.markSent()
            } catch {
                tally.fail("send failed: \(error)")
                break
            }
        }
        tally.markSendingDone()
    }
}
