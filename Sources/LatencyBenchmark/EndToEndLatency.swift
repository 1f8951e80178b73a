// End-to-end editing latency: a keystroke in one editor until it is applied in
// another, through a real relay on a loopback socket, beside the transport floor
// (a bare broadcast between two Realtime clients on the same relay) measured in
// the same run.
import Collab
import DocumentStorage
import EditorCore
import Foundation
import Realtime
import RelayServer
import SQLiteStore
import TUI
import TextLayout
import YCRDT

/// Keystroke → applied in another editor, p50/p99 over `edits` keystrokes.
///
/// Two editors on one relay, each an editor core on an `EditingSession` (crash
/// journal, send queue, provider, its own Realtime socket) as `qalam edit` composes
/// them. Editor A types one character every `interval` (a typist at 1000 / interval
/// characters a second) through its key handler; editor B applies each remote update
/// to its document and draws its screen, and the time from A's key to the moment B
/// has drawn that character is one sample. The 100 ms batching dominates by design:
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
            print(
                "End-to-end latency through the relay on loopback: key in editor A (key handler, journal, session) "
                    + "→ drawn on editor B's screen (session, document, layout, draw)")
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

    /// Measures one run on a fresh relay, store and document.
    static func run(edits: Int, interval: Duration) async throws -> Report {
        let relay = try Relay(configuration: RelayConfiguration(host: "127.0.0.1", port: 0))
        let port = try await relay.start()
        let url = URL(string: "http://127.0.0.1:\(port)")!
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("qalam-latency-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("qalam.sqlite3").path)
        try await store.migrate()
        let document = DocumentID(uuid: UUID(), name: "latency")
        let screen = try HeadlessScreen(rows: 40, columns: 120, documentName: "latency")
        let typist = try await Participant.open(
            url: url, store: store, document: document, name: "typist", directory: directory, screen: nil)
        let reader = try await Participant.open(
            url: url, store: store, document: document, name: "reader", directory: directory, screen: screen)
        _ = await typist.session.waitUntilSynced(timeout: .seconds(30))
        _ = await reader.session.waitUntilSynced(timeout: .seconds(30))

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
        let broadcasts = await typist.session.provider.currentStatistics.sent["yjs-update"] ?? 0
        await typist.stop()
        await reader.stop()
        await relay.shutdown()
        await store.close()
        return Report(edits: edits, interval: interval, samples: samples, broadcasts: broadcasts)
    }

    /// One editor as `qalam edit` composes it: an `EditingSession` (crash journal,
    /// send queue, autosave, provider) and the editor core's state on its own Yjs
    /// document, whose update handler submits every local update to the session.
    /// The reader applies each remote update to its document and draws its screen;
    /// `arrivals[i]` is when the text first reached length i + 1 on that screen
    /// (each keystroke adds one unit at the end).
    actor Participant {
        let session: EditingSession
        private let document: YTextDocument
        private let state: EditorState
        private let screen: HeadlessScreen?
        private(set) var arrivals: [ContinuousClock.Instant] = []
        private var listener: Task<Void, Never>?

        static func open(
            url: URL, store: any DocumentStore, document: DocumentID, name: String, directory: URL,
            screen: HeadlessScreen?
        ) async throws -> Participant {
            let doc = Doc()
            let configuration = SessionConfiguration(
                document: document, identity: CollabIdentity(userID: name, name: name), realtimeURL: url,
                apiKey: "bench", journalDirectory: directory.appendingPathComponent("journal-\(name)"))
            let session = try await EditingSession.open(configuration, store: store, editorClientID: doc.clientID)
            let participant = try await Participant(session: session, doc: doc, screen: screen)
            await participant.start()
            return participant
        }

        private init(session: EditingSession, doc: Doc, screen: HeadlessScreen?) async throws {
            self.session = session
            self.screen = screen
            for update in session.takeInitialUpdates() { try doc.applyUpdate(update, origin: TransactionOrigin.remote) }
            document = YTextDocument(doc: doc)
            // The layout only: a screen draws it; the typist has none.
            state =
                screen?.makeState(document: document)
                ?? EditorState(document: document, options: LayoutOptions(width: 120), height: 38)
            _ = doc.onUpdate { update, origin in
                if !YTextDocument.isRemote(origin) { session.submit(update) }
            }
        }

        private func start() {
            let events = session.events
            listener = Task { [weak self] in
                for await event in events {
                    if case let .remoteUpdate(update) = event { await self?.apply(update) }
                }
            }
        }

        private func apply(_ update: ParsedUpdate) {
            try? document.applyRemoteUpdate(update)
            screen?.draw(state)
            let now = ContinuousClock.now
            while arrivals.count < document.utf16Count { arrivals.append(now) }
        }

        /// Types at the end of the document, as a key in the editor does.
        func type(_ character: Character) {
            state.perform(.selectAll)
            state.perform(.cancel)
            _ = state.handle(.character(character))
        }

        func stop() async {
            listener?.cancel()
            try? await session.close()
        }
    }
}
