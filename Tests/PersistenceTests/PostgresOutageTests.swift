import DocumentStorage
import Foundation
import PostgresStore
import TestSupport
import XCTest
import YCRDT

@testable import Persistence

/// The database goes away the hard way (`pg_ctl -m immediate`) and comes back:
/// the writer keeps writing, the status says the truth the whole time, and the
/// first save after the return comes within 5 s of it.
final class PostgresOutageTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
    }

    private func storedText(_ url: String, _ document: DocumentID) async throws -> String {
        let reader = PostgresStore(connectionString: url)
        defer { Task { await reader.close() } }
        // Keep the doc alive while its text is read: a dropped Doc empties its types.
        let doc = try StoredState.document(from: try await reader.load(document))
        return doc.getText().toString()
    }

    /// An editor: its document, its autosaver, every local edit recorded.
    private final class Writer: @unchecked Sendable {
        let doc = Doc()
        let persistence: YjsPersistence

        init(_ persistence: YjsPersistence) {
            self.persistence = persistence
            doc.onUpdate { update, origin in
                if origin as? String != "store" { persistence.record(update) }
            }
        }

        func type(_ text: String) {
            doc.getText().insert(text, at: doc.getText().length)
        }
    }

    func testAfterA30SecondOutageTheFirstSaveComesWithin5SecondsOfTheReturn() async throws {
        let server = try ScratchPostgres()
        let store = PostgresStore(connectionString: server.url)
        try await store.migrate()
        let document = DocumentID(name: "outage")
        let journal = try Journal.open(document: document, in: directory.url)
        let persistence = YjsPersistence(
            store: store, document: document, journal: journal,
            options: .init(saveDelay: .milliseconds(200)))
        let writer = Writer(persistence)
        try writer.doc.applyUpdate(try await persistence.load().state, origin: "store")
        writer.type("before the outage. ")
        try await persistence.saveNow()

        try server.stopImmediately()
        let down = ContinuousClock.now
        writer.type("typed while the database is down. ")
        var seenOffline = false
        var lastRetryAt: Date?
        while ContinuousClock.now - down < .seconds(30) {
            let status = await persistence.status
            if case let .offline(reason, retryAt) = status.phase {
                seenOffline = true
                XCTAssertTrue(status.phaseText().hasPrefix("offline — changes are kept on this machine"))
                XCTAssertFalse(reason.isEmpty)
                // The countdown is a moment, at most 5 s away: probed, not backed off.
                let next = try XCTUnwrap(retryAt)
                XCTAssertLessThanOrEqual(
                    next.timeIntervalSinceNow, 5.05, "next try \(next.timeIntervalSinceNow) s away")
                lastRetryAt = next
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        XCTAssertTrue(seenOffline, "the status never said the database was unreachable")
        XCTAssertNotNil(lastRetryAt)
        writer.type("and more. ")

        try server.start()
        let back = ContinuousClock.now
        await eventually(timeout: .seconds(20), "never saved after the database came back") {
            if case .saved(at: .some) = await persistence.status.phase { return true }
            return false
        }
        let savedAfter = ContinuousClock.now - back
        XCTAssertLessThanOrEqual(savedAfter, .seconds(5), "the first save came \(savedAfter) after the return")
        print("outage: saved \(savedAfter) after PostgreSQL came back from a 30 s stop (-m immediate)")
        let stored = try await storedText(server.url, document)
        XCTAssertEqual(stored, "before the outage. typed while the database is down. and more. ")
        await persistence.close()
        await store.close()
    }

    /// The store cannot be read at open: the writer opens from this machine's
    /// copy and the journal, edits, and it is all saved once the store is back.
    func testUnreachableAtOpenTheWriterOpensFromTheLocalCopyAndSavesWhenItIsBack() async throws {
        let server = try ScratchPostgres()
        let document = DocumentID(name: "offline-open")
        let state = directory.url.appendingPathComponent("state")
        let copy = StateCache(document: document, directory: state)
        do {
            // A first session saves, which leaves this machine's copy.
            let store = PostgresStore(connectionString: server.url)
            try await store.migrate()
            let persistence = YjsPersistence(
                store: store, document: document, journal: try Journal.open(document: document, in: state),
                localCopy: copy)
            let writer = Writer(persistence)
            try writer.doc.applyUpdate(try await persistence.load().state, origin: "store")
            writer.type("saved yesterday. ")
            try await persistence.flush()
            await persistence.close()
            await store.close()
        }
        XCTAssertNotNil(copy.read(), "a save leaves this machine's copy")

        try server.stopImmediately()
        let store = PostgresStore(connectionString: server.url)
        let persistence = YjsPersistence(
            store: store, document: document, journal: try Journal.open(document: document, in: state),
            localCopy: copy, options: .init(saveDelay: .milliseconds(200)))
        let writer = Writer(persistence)
        let loaded = try await persistence.load()
        XCTAssertTrue(loaded.isOffline)
        try writer.doc.applyUpdate(loaded.state, origin: "store")
        XCTAssertEqual(writer.doc.getText().toString(), "saved yesterday. ")
        let opened = await persistence.status
        XCTAssertTrue(
            opened.text().hasPrefix("offline — changes are kept on this machine"), "status: \(opened.text())")
        writer.type("written offline. ")
        try await Task.sleep(for: .seconds(2))
        let offline = await persistence.status
        guard case .offline = offline.phase else { return XCTFail("status \(offline)") }

        try server.start()
        let back = ContinuousClock.now
        await eventually(timeout: .seconds(20), "never saved after the database came back") {
            if case .saved(at: .some) = await persistence.status.phase { return true }
            return false
        }
        XCTAssertLessThanOrEqual(ContinuousClock.now - back, .seconds(5))
        let stored = try await storedText(server.url, document)
        XCTAssertEqual(stored, "saved yesterday. written offline. ")
        await persistence.close()
        await store.close()
    }

    /// Opened offline with no copy on this machine, while others had saved:
    /// once the store is back, what it holds reaches the editor too.
    func testWhatTheStoreHeldReachesTheEditorOnceItIsBack() async throws {
        let server = try ScratchPostgres()
        let document = DocumentID(name: "offline-fresh")
        let seed = PostgresStore(connectionString: server.url)
        try await seed.migrate()
        try await seed.save(document) { rows in try StoredState.integrate(rows: rows, with: [Words.encode(["theirs"])])
        }
        await seed.close()

        try server.stopImmediately()
        let store = PostgresStore(connectionString: server.url)
        let persistence = YjsPersistence(
            store: store, document: document, options: .init(saveDelay: .milliseconds(200)))
        let writer = Writer(persistence)
        let loaded = try await persistence.load()
        XCTAssertTrue(loaded.isOffline)
        try writer.doc.applyUpdate(loaded.state, origin: "store")
        writer.doc.getText().insert("mine\n", at: 0)
        let changes = persistence.storedChanges
        let applied = Task { () -> Bool in
            for await change in changes {
                try? writer.doc.applyUpdate(change, origin: "store")
                return true
            }
            return false
        }
        try server.start()
        let deliveredStored = await applied.value
        XCTAssertTrue(deliveredStored)
        XCTAssertEqual(Set(writer.doc.getText().toString().split(separator: "\n").map(String.init)), ["mine", "theirs"])
        await persistence.close()
        await store.close()
    }
}
