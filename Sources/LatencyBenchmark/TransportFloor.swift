import Foundation
import Realtime
import RelayServer

/// The floor under the end-to-end figure: one client broadcasts a numbered
/// message at the same pacing as the typist, another on the same relay receives
/// it. No CRDT, no batching: what is left is the relay and the sockets.
enum TransportFloor {
    static func run(messages: Int, interval: Duration) async throws -> EndToEndLatency.Report {
        let relay = try Relay(configuration: RelayConfiguration(host: "127.0.0.1", port: 0))
        let port = try await relay.start()
        let url = URL(string: "http://127.0.0.1:\(port)")!
        let sender = try RealtimeClient(url: url, apiKey: "bench")
        let receiver = try RealtimeClient(url: url, apiKey: "bench")
        await sender.connect()
        await receiver.connect()
        let topic = "room:floor-\(UUID().uuidString.lowercased())"
        let outgoing = await sender.channel(topic)
        let incoming = await receiver.channel(topic)

        let clock = ContinuousClock()
        let arrivals = Arrivals()
        let events = await incoming.events()
        let listener = Task {
            for await event in events {
                if case let .broadcast(event: "floor", payload: payload) = event,
                    case let .json(value) = payload, let index = value["i"]?.intValue
                {
                    await arrivals.record(index, at: clock.now)
                }
            }
        }
        try await outgoing.subscribe()
        try await incoming.subscribe()

        var sentAt: [ContinuousClock.Instant] = []
        sentAt.reserveCapacity(messages)
        var next = clock.now
        for index in 0..<messages {
            sentAt.append(clock.now)
            try await outgoing.broadcast(event: "floor", json: .object(["i": .integer(Int64(index))]))
            next += interval
            try await Task.sleep(until: next, clock: clock)
        }
        let deadline = clock.now + .seconds(30)
        while await arrivals.count < messages, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let received = await arrivals.times
        let samples = sentAt.indices.compactMap { index in received[index].map { $0 - sentAt[index] } }
        listener.cancel()
        await sender.disconnect()
        await receiver.disconnect()
        await relay.shutdown()
        return EndToEndLatency.Report(edits: messages, interval: interval, samples: samples, broadcasts: messages)
    }

    /// Arrival time of each numbered message, first arrival only.
    actor Arrivals {
        private(set) var times: [Int: ContinuousClock.Instant] = [:]
        var count: Int { times.count }

        func record(_ index: Int, at instant: ContinuousClock.Instant) {
            if times[index] == nil { times[index] = instant }
        }
    }
}
