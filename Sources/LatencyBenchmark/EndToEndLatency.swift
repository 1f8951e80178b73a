// End-to-end editing latency: a keystroke in one editor until it is applied in
// another, through a real relay on a loopback socket, beside the transport floor
// (a bare broadcast between two Realtime clients on the same relay) measured in
// the same run.
import Collab
import DocumentStorage
import Foundation
import Realtime
import RelayServer
import YCRDT

/// Keystroke → applied in another editor, p50/p99 over `edits` keystrokes.
///
/// Two providers on one relay, each with its own Realtime client and socket, as two
/// editors on one machine would be. Editor A types one character every `interval`
/// (a typist at 1000 / interval characters a second); editor B applies each remote
/// update to its own document and the time from A's edit to the moment B's text
/// holds that character is one sample. The 100 ms batching dominates by design:
/// a keystroke waits for the batch timer its batch started, so latency sits between
/// the round trip and 100 ms plus the round trip.
enum EndToEndLatency {
    struct Report {
        var edits: Int
        var interval: Duration
        var samples: [Duration]
        var broadcasts: Int

        func percentile(_ p: Double) -> Duration {
            let sorted = samples.sorted()
            guard !sorted.isEmpty else { return .zero }
            let index = min(sorted.count - 1, max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))
            return sorted[index]
        }

        static let header =
            "pacing    | edits | broadcasts | received | p50 ms (floor, ×)      | p99 ms (floor, ×)      | max ms"

        func row(floor: Report) -> String {
            func ms(_ d: Duration) -> Double {
                Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
            }
            func cell(_ p: Double) -> String {
                let value = ms(percentile(p))
                let base = ms(floor.percentile(p))
                let ratio = base > 0 ? value / base : 0
                return String(format: "%7.1f (%5.1f, %5.1f×)", value, base, ratio)
            }
            let pacing = String(format: "%4.0f ms", ms(interval))
            return "\(pacing) key | \(edits) | \(broadcasts) | \(samples.count) | \(cell(0.5)) | \(cell(0.99)) | "
                + String(format: "%.1f", ms(percentile(1)))
        }
    }

    static func main(arguments: [String]) async -> Int32 {
        var edits = 1000
        var intervals = [20, 150]
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--edits": edits = iterator.next().flatMap(Int.init) ?? edits
            case "--interval-ms": intervals = iterator.next().flatMap(Int.init).map { [$0] } ?? intervals
            case "--help", "-h":
                print("usage: LatencyBenchmark [--edits N] [--interval-ms MS]")
                return 0
            default:
                FileHandle.standardError.write(Data("LatencyBenchmark: unknown option \(argument)\n".utf8))
                return 2
            }
        }
        do {
            print("End-to-end latency through the relay on loopback: keystroke in editor A → applied in editor B")
            print("floor = a bare broadcast between two Realtime clients on the same relay, same run, same pacing")
            print("")
            print(Report.header)
            for interval in intervals {
                let floor = try await TransportFloor.run(messages: edits, interval: .milliseconds(interval))
                let report = try await run(edits: edits, interval: .milliseconds(interval))
                print(report.row(floor: floor))
            }
            return 0
        } catch {
            FileHandle.standardError.write(Data("LatencyBenchmark: \(error)\n".utf8))
            return 1
        }
    }

    /// Measures one run on a fresh relay and document.
    static func run(edits: Int, interval: Duration) async throws -> Report {
        let relay = try Relay(configuration: RelayConfiguration(host: "127.0.0.1", port: 0))
        let port = try await relay.start()
        let url = URL(string: "http://127.0.0.1:\(port)")!
        let document = DocumentID(uuid: UUID(), name: "latency")
        let typist = try Participant(url: url, document: document, name: "typist")
        let reader = try Participant(url: url, document: document, name: "reader")
        await typist.start()
        await reader.start()
        _ = await typist.provider.waitUntilSynced(timeout: .seconds(30))
        _ = await reader.provider.waitUntilSynced(timeout: .seconds(30))

        let clock = ContinuousClock()
        var typedAt: [ContinuousClock.Instant] = []
        typedAt.reserveCapacity(edits)
        var next = clock.now
        for _ in 0..<edits {
            typedAt.append(clock.now)
            await typist.type("x")
            next += interval
            try await Task.sleep(until: next, clock: clock)
        }
        let deadline = clock.now + .seconds(30)
        while await reader.arrivals.count < edits, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let arrivals = await reader.arrivals
        let samples = zip(typedAt, arrivals).map { $1 - $0 }
        let broadcasts = await typist.provider.currentStatistics.sent["yjs-update"] ?? 0
        await typist.stop()
        await reader.stop()
        await relay.shutdown()
        return Report(edits: edits, interval: interval, samples: samples, broadcasts: broadcasts)
    }

    /// One editor: a document and a provider. `arrivals[i]` is when the text first
    /// reached length i + 1 (each keystroke adds one unit at the end).
    actor Participant {
        let doc: Doc
        let text: YText
        let provider: SupabaseProvider
        let client: RealtimeClient
        private(set) var arrivals: [ContinuousClock.Instant] = []
        private var listener: Task<Void, Never>?

        init(url: URL, document: DocumentID, name: String) throws {
            doc = Doc()
            text = doc.getText()
            client = try RealtimeClient(url: url, apiKey: "bench")
            provider = try SupabaseProvider(
                client: client, document: document,
                identity: CollabIdentity(userID: name, name: name),
                editorClientID: doc.clientID)
        }

        func start() async {
            let events = provider.events
            listener = Task { [weak self] in
                for await event in events {
                    if case let .remoteUpdate(bytes) = event { await self?.apply(bytes) }
                }
            }
            await provider.start()
        }

        private func apply(_ bytes: [UInt8]) {
            try? doc.applyUpdate(bytes, origin: TransactionOrigin.remote)
            let now = ContinuousClock.now
            while arrivals.count < text.length { arrivals.append(now) }
        }

        func type(_ character: String) async {
            var update: [UInt8] = []
            let observer = doc.onUpdate { bytes, _ in update = bytes }
            text.insert(character, at: text.length)
            doc.removeObserver(observer)
            try? await provider.submitLocal(update)
        }

        func stop() async {
            await provider.stop()
            await client.disconnect()
            listener?.cancel()
        }
    }
}
