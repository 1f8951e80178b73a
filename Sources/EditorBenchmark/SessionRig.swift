import Collab
import DocumentStorage
import Foundation
import PostgresStore
import RelayServer
import SQLiteStore
import YCRDT

/// Where the session scenarios keep their documents.
enum StoreKind: String, CaseIterable {
    /// An SQLite file in a fresh temporary directory (the editor's default store).
    case sqlite
    /// The PostgreSQL database named by `DATABASE_URL` (`scripts/with-postgres.sh` makes one).
    case postgres
}

/// What `qalam edit` has around an editor: a store holding the document, an
/// embedded relay on loopback and a crash-journal directory, so a scenario can
/// open documents through a real `EditingSession` and type through its update
/// handler. The editor's own composition (`CollabBackend`) lives in the `qalam`
/// executable; the scenarios repeat its three steps (open the session, apply its
/// state to the editor's document, submit every local update).
final class SessionRig {
    let kind: StoreKind
    let store: MeasuredStore
    private let relay: Relay
    private let relayURL: URL
    private let directory: URL

    private init(kind: StoreKind, store: MeasuredStore, relay: Relay, relayURL: URL, directory: URL) {
        self.kind = kind
        self.store = store
        self.relay = relay
        self.relayURL = relayURL
        self.directory = directory
    }

    /// - Throws: `BenchmarkError.badArgument` for PostgreSQL without `DATABASE_URL`.
    static func make(_ kind: StoreKind) async throws -> SessionRig {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("qalam-editor-benchmark-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let inner: any DocumentStore
        switch kind {
        case .sqlite:
            inner = try SQLiteStore(path: directory.appendingPathComponent("qalam.sqlite3").path)
        case .postgres:
            guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
                throw BenchmarkError.badArgument(
                    "--store postgres needs DATABASE_URL (scripts/with-postgres.sh sets one)")
            }
            inner = PostgresStore(connectionString: url)
        }
        let store = MeasuredStore(inner)
        try await store.migrate()
        let relay = try Relay(configuration: RelayConfiguration(host: "127.0.0.1", port: 0))
        let port = try await relay.start()
        return SessionRig(
            kind: kind, store: store, relay: relay, relayURL: URL(string: "http://127.0.0.1:\(port)")!,
            directory: directory)
    }

    /// Stores `state` as the document's only row (what another client saved).
    func seed(_ document: DocumentID, state: [UInt8]) async throws {
        try await store.save(document) { rows in rows.isEmpty ? state : try YUpdate.merge(rows + [state]) }
        store.resetSaves()
    }

    /// The configuration `qalam edit` would use, with the journal in the rig's directory.
    func configuration(for document: DocumentID, saveDelay: Duration) -> SessionConfiguration {
        SessionConfiguration(
            document: document, identity: CollabIdentity(userID: "benchmark", name: "Benchmark"),
            realtimeURL: relayURL, apiKey: "benchmark",
            persistence: .init(saveDelay: saveDelay),
            journalDirectory: directory.appendingPathComponent("journal"))
    }

    func shutdown() async {
        await relay.shutdown()
        await store.close()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// What one save cost: the row it wrote (the one compacted row a save leaves)
/// and the CPU time of its merge (integrating the stored rows with the editor's
/// state and checking the result), which runs on the store's thread.
struct SaveRecord {
    var bytes: Int
    var mergeCPUMs: Double
}

/// A store that passes every call through and records what each save cost.
final class MeasuredStore: DocumentStore, @unchecked Sendable {
    private let inner: any DocumentStore
    private let lock = NSLock()
    // Guarded by `lock`:
    private var saves: [SaveRecord] = []
    private var mergeCPUMs = 0.0

    init(_ inner: any DocumentStore) {
        self.inner = inner
    }

    /// Each save since the last `resetSaves`.
    var savedRecords: [SaveRecord] { lock.withLock { saves } }

    func resetSaves() { lock.withLock { saves = [] } }

    func migrate() async throws { try await inner.migrate() }

    func load(_ document: DocumentID) async throws -> [[UInt8]] { try await inner.load(document) }

    @discardableResult
    func save(_ document: DocumentID, merge: @Sendable ([[UInt8]]) throws -> [UInt8]) async throws -> [UInt8] {
        // One document per rig, so one save at a time: the merge's time is this save's.
        let row = try await inner.save(document) { rows in
            let start = Stopwatch.threadCPU()
            defer {
                let spent = Double(Stopwatch.threadCPU() - start) / 1e6
                lock.withLock { mergeCPUMs = spent }
            }
            return try merge(rows)
        }
        lock.withLock { saves.append(SaveRecord(bytes: row.count, mergeCPUMs: mergeCPUMs)) }
        return row
    }

    func close() async { await inner.close() }
}
