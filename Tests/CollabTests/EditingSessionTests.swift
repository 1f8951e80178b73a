import Collab
import DocumentStorage
import Foundation
import Persistence
import PostgresStore
import SQLiteStore
import TestSupport
import XCTest
import YCRDT

/// The whole session: provider + autosave + crash journal, against real stores.
final class EditingSessionTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("qalam-session-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func configuration(_ document: DocumentID, relay: URL, name: String) -> SessionConfiguration {
        SessionConfiguration(
            document: document, identity: CollabIdentity(userID: name, name: name),
            realtimeURL: relay, apiKey: "k", realtimeOptions: fastRealtimeOptions(),
            provider: fastProviderConfiguration(),
            persistence: .init(saveDelay: .milliseconds(300), initialRetryDelay: .milliseconds(200)),
            journalDirectory: directory.appendingPathComponent("journal-\(name)"))
    }

    /// An editor doc driven by a session, as the TUI and headless editor do it.
    final class Editor: @unchecked Sendable {
        let doc: Doc
        let session: EditingSession
        let lock = NSLock()
        var listener: Task<Void, Never>?

        /// Opens a session for a new editor document (the session must know its client id).
        static func open(_ configuration: SessionConfiguration, store: any DocumentStore) async throws -> Editor {
            let doc = Doc()
            let session = try await EditingSession.open(configuration, store: store, editorClientID: doc.clientID)
            return try Editor(doc: doc, session: session)
        }

        init(doc: Doc, session: EditingSession) throws {
            self.doc = doc
            self.session = session
            for update in session.takeInitialUpdates() { try doc.applyUpdate(update, origin: TransactionOrigin.remote) }
            doc.onUpdate { update, origin in
                if origin != AnyHashable(TransactionOrigin.remote) { session.submit(update) }
            }
            let events = session.events
            listener = Task { [weak self] in
                for await event in events {
                    if case let .remoteUpdate(update) = event {
                        self?.withDoc { try? $0.applyUpdate(update, origin: TransactionOrigin.remote) }
                    }
                }
            }
        }

        func withDoc<T>(_ body: (Doc) -> T) -> T { lock.withLock { body(doc) } }
        func insert(_ s: String) { withDoc { $0.getText().insert(s, at: $0.getText().length) } }
        var text: String { withDoc { $0.getText().toString() } }
    }

    func runSaveAndReopen(store: @escaping () throws -> any DocumentStore) async throws {
        let relay = try await TestRelay.start()
        let document = freshDocument()
        let firstStore = try store()
        try await firstStore.migrate()
        let a = try await Editor.open(configuration(document, relay: relay.url, name: "a"), store: firstStore)
        XCTAssertEqual(a.text, "")
        a.insert("محفوظ saved")
        let synced = await a.session.waitUntilSynced(timeout: .seconds(20))
        XCTAssertTrue(synced)
        try await a.session.saveNow()
        try await a.session.close()
        await firstStore.close()

        // A new process, a new store connection: the text is there.
        let secondStore = try store()
        let b = try await Editor.open(configuration(document, relay: relay.url, name: "b"), store: secondStore)
        XCTAssertEqual(b.text, "محفوظ saved")
        try await b.session.close()
        await secondStore.close()
        await relay.stop()
    }

    func testSaveAndReopenWithSQLite() async throws {
        let path = directory.appendingPathComponent("qalam.sqlite3").path
        try await runSaveAndReopen { try SQLiteStore(path: path) }
    }

    func testSaveAndReopenWithPostgreSQL() async throws {
        let url = try PostgresTestDatabase.url()
        try await runSaveAndReopen { PostgresStore(connectionString: url) }
    }

    func testRemoteEditsAreSavedByEveryEditor() async throws {
        let relay = try await TestRelay.start()
        let document = freshDocument()
        let path = directory.appendingPathComponent("shared.sqlite3").path
        let storeA = try SQLiteStore(path: path)
        try await storeA.migrate()
        let storeB = try SQLiteStore(path: path)
        let a = try await Editor.open(configuration(document, relay: relay.url, name: "a"), store: storeA)
        let b = try await Editor.open(configuration(document, relay: relay.url, name: "b"), store: storeB)
        a.insert("from A. ")
        b.insert("من ب. ")
        await eventually("converged") { a.text == b.text && a.text.count == "from A. من ب. ".count }
        try await a.session.close()
        try await b.session.close()
        let rows = try await storeA.load(document)
        let merged = Doc()
        for row in rows { try merged.applyUpdate(row) }
        XCTAssertEqual(merged.getText().toString(), a.text)
        await storeA.close()
        await storeB.close()
        await relay.stop()
    }

    /// One network-side copy per editor: the provider answers from the
    /// autosaver's replica, which holds the editor's own edits and what it
    /// received, and the session lets go of the loaded bytes once taken.
    func testTheProviderAndTheAutosaverShareOneReplica() async throws {
        let relay = try await TestRelay.start()
        let document = freshDocument()
        let path = directory.appendingPathComponent("one-replica.sqlite3").path
        let storeA = try SQLiteStore(path: path)
        try await storeA.migrate()
        let storeB = try SQLiteStore(path: path)
        let a = try await Editor.open(configuration(document, relay: relay.url, name: "a"), store: storeA)
        let b = try await Editor.open(configuration(document, relay: relay.url, name: "b"), store: storeB)
        guard let shared = a.session.provider.replica as? PersistenceReplica else {
            return XCTFail("the provider keeps a replica of its own: \(type(of: a.session.provider.replica))")
        }
        XCTAssertTrue(shared.persistence === a.session.persistence)
        a.insert("from A. ")
        b.insert("من ب. ")
        await eventually("converged") { a.text == b.text && a.text.count == "from A. من ب. ".count }
        let replicaText = try await a.session.persistence.text("content")
        XCTAssertEqual(replicaText, a.text)
        let providerText = await a.session.provider.text()
        XCTAssertEqual(providerText, a.text)
        XCTAssertEqual(a.session.takeInitialUpdates(), [], "the editor took the loaded state at open")
        try await a.session.close()
        try await b.session.close()
        // The document is kept in a variable: a root type does not keep its document alive.
        let stored = try StoredState.document(from: try await storeA.load(document))
        XCTAssertEqual(stored.getText().toString(), a.text)
        await storeA.close()
        await storeB.close()
        await relay.stop()
    }

    /// An editor that joins and types nothing has nothing unsaved, however
    /// much it receives: its save status never leaves "saved".
    func testAnEditorThatOnlyReceivesNeverShowsUnsavedChanges() async throws {
        let relay = try await TestRelay.start()
        let document = freshDocument()
        let path = directory.appendingPathComponent("receive.sqlite3").path
        let storeA = try SQLiteStore(path: path)
        try await storeA.migrate()
        let storeB = try SQLiteStore(path: path)
        let a = try await Editor.open(configuration(document, relay: relay.url, name: "a"), store: storeA)
        let b = try await Editor.open(configuration(document, relay: relay.url, name: "b"), store: storeB)
        let phases = PhaseLog()
        // The editor's listener owns the event stream; watch the status by polling it.
        let watcher = Task { [session = b.session] in
            while !Task.isCancelled {
                phases.append(await session.currentStatus.save.phaseName)
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        for i in 0..<5 {
            a.insert("line \(i). ")
            try await Task.sleep(for: .milliseconds(150))
        }
        await eventually("b received everything") { b.text == a.text }
        // Longer than the autosave delay: b saves what it received, quietly.
        try await Task.sleep(for: .milliseconds(800))
        let status = await b.session.currentStatus
        XCTAssertTrue(status.save.isSaved, "b: \(status.saveText())")
        XCTAssertFalse(phases.all.contains("unsaved"), "b showed \(phases.all)")
        try await a.session.close()
        try await b.session.close()
        watcher.cancel()
        await storeA.close()
        await storeB.close()
        await relay.stop()
    }

    /// A journal that cannot even be created (the state directory is not
    /// writable) does not stop the writer; the status says the edits are not crash-safe.
    func testAJournalThatCannotBeCreatedDoesNotStopTheWriter() async throws {
        let relay = try await TestRelay.start()
        let document = freshDocument()
        let blocker = directory.appendingPathComponent("not-a-directory")
        try Data("x".utf8).write(to: blocker)
        var configuration = configuration(document, relay: relay.url, name: "a")
        configuration.journalDirectory = blocker.appendingPathComponent("state")
        let store = try SQLiteStore(path: directory.appendingPathComponent("j.sqlite3").path)
        try await store.migrate()
        let a = try await Editor.open(configuration, store: store)
        a.insert("still editable")
        await eventually("the status never said so") {
            await a.session.currentStatus.save.journalText?.hasPrefix("edits are not crash-safe") == true
        }
        try await a.session.close()
        let rows = try await store.load(document)
        let stored = try StoredState.document(from: rows)
        XCTAssertEqual(stored.getText().toString(), "still editable")
        await store.close()
        await relay.stop()
    }
}

/// Save phases seen, from any task.
final class PhaseLog: @unchecked Sendable {
    private let lock = NSLock()
    private var phases: [String] = []
    func append(_ phase: String) { lock.withLock { phases.append(phase) } }
    var all: [String] { lock.withLock { phases } }
}
