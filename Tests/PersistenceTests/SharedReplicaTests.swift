import DocumentStorage
import Foundation
import TestSupport
import XCTest
import YCRDT

@testable import Persistence

/// The autosaver's replica as the editor's one network-side copy: what a sync
/// request is answered from, what received updates are checked against, and
/// what a save writes, against a real SQLite file and a real journal.
final class SharedReplicaTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
    }

    /// The editor's updates are in every answer at once, though only the
    /// inbox took them (the provider does not apply them a second time).
    func testSyncAnswersHoldEveryRecordedUpdate() async throws {
        let store = try await directory.sqliteStore()
        let persistence = YjsPersistence(
            store: store, document: DocumentID(name: "answers"), options: .init(saveDelay: .seconds(3600)))
        _ = try await persistence.load()
        persistence.record(Words.encode(["typed"]))
        let whole = try await persistence.encodeState(since: [])
        XCTAssertEqual(Words.decode(whole), ["typed"])
        let vector = try await persistence.stateVector()
        let beyond = try await persistence.encodeState(since: vector)
        XCTAssertEqual(Words.decode(beyond), [])
        let text = try await persistence.text("content")
        XCTAssertEqual(text, "typed\n")
        await persistence.close()
    }

    /// A received update is applied, journaled and saved; one the document
    /// refuses is thrown back and changes nothing, not even the journal.
    func testAReceivedUpdateIsJournaledAndSavedARefusedOneChangesNothing() async throws {
        let store = CountingStore(try await directory.sqliteStore())
        let document = DocumentID(name: "received")
        let journalDirectory = directory.url.appendingPathComponent("state")
        let journal = try Journal.open(document: document, in: journalDirectory)
        let persistence = YjsPersistence(
            store: store, document: document, journal: journal, options: .init(saveDelay: .seconds(3600)))
        _ = try await persistence.load()
        let before = try await persistence.encodeState(since: [])
        let emptyJournal = journal.mark
        do {
            try await persistence.receive([0xFF, 0xFF, 0xFF, 0x01])
            XCTFail("a malformed update was accepted")
        } catch {}
        let afterRefusal = try await persistence.encodeState(since: [])
        XCTAssertEqual(afterRefusal, before)
        XCTAssertEqual(journal.mark, emptyJournal, "a refused update was journaled")

        try await persistence.receive(Words.encode(["from a peer"]))
        XCTAssertGreaterThan(journal.mark, emptyJournal, "a received update was not journaled")
        let unsaved = await persistence.hasUnsavedChanges
        XCTAssertFalse(unsaved, "nothing of this writer's is at stake")
        try await persistence.saveNow()
        let stored = try await store.load(document)
        XCTAssertEqual(Words.decode(rows: stored), ["from a peer"])
        await persistence.close()
    }

    /// A sync request or a received update applies the inbox while a save is
    /// writing: what the save did not encode stays journaled and is saved next.
    func testUpdatesAppliedWhileASaveWritesStayJournaledAndUnsaved() async throws {
        let base = try await directory.sqliteStore()
        let store = GatedStore(base)
        let document = DocumentID(name: "during-save")
        let journalDirectory = directory.url.appendingPathComponent("state")
        var journal: Journal? = try Journal.open(document: document, in: journalDirectory)
        var persistence: YjsPersistence? = YjsPersistence(
            store: store, document: document, journal: journal, options: .init(saveDelay: .seconds(3600)))
        _ = try await persistence?.load()
        persistence?.record(Words.encode(["saved"]))
        store.hold()
        let saving = Task { [persistence] in try await persistence?.saveNow() }
        await store.waitUntilHeld()
        // The save has encoded "saved" and waits in the store; these arrive now.
        persistence?.record(Words.encode(["typed during the save"]))
        try await persistence?.receive(Words.encode(["received during the save"]))
        _ = try await persistence?.stateVector()
        store.release()
        try await saving.value
        let stored = try await base.load(document)
        XCTAssertEqual(Words.decode(rows: stored), ["saved"])
        let unsaved = await persistence?.hasUnsavedChanges
        XCTAssertEqual(unsaved, true, "an edit typed during the save is not saved yet")

        // A crash now: the journal must hold both.
        weak let crashedJournal = journal
        persistence = nil
        journal = nil
        await eventually { crashedJournal == nil }
        let reopened = try Journal.open(document: document, in: journalDirectory)
        XCTAssertEqual(
            Set(reopened.recovered.map(Words.decode)), [["typed during the save"], ["received during the save"]])
        reopened.close()
    }

    /// This machine's copy of the stored state is written after the open
    /// returns, not on its way; it is the stored row itself, and a session that
    /// closes at once still leaves it.
    func testTheLoadedStateReachesThisMachinesCopyAfterTheOpenOrAtClose() async throws {
        let store = try await directory.sqliteStore()
        let document = DocumentID(name: "copy")
        do {
            let first = YjsPersistence(store: store, document: document, options: .init(saveDelay: .seconds(3600)))
            _ = try await first.load()
            first.record(Words.encode(["stored"]))
            try await first.flush()
            await first.close()
        }
        let rows = try await store.load(document)
        XCTAssertEqual(rows.count, 1)
        for closesAtOnce in [false, true] {
            let state = directory.url.appendingPathComponent("state-\(closesAtOnce)")
            try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
            let copy = StateCache(document: document, directory: state)
            let persistence = YjsPersistence(
                store: store, document: document, localCopy: copy, options: .init(saveDelay: .seconds(3600)))
            let loaded = try await persistence.load()
            XCTAssertEqual(loaded.state, rows[0], "one row, nothing recovered: the row is the state")
            if closesAtOnce {
                await persistence.close()
                XCTAssertEqual(copy.read(), rows[0], "close writes the copy the open left")
            } else {
                await eventually("the copy is written") { copy.read() == rows[0] }
                await persistence.close()
            }
        }
    }

    /// The editor's document takes the loaded document as the very updates the
    /// replica integrated, decoded once: the stored row itself, then what the
    /// crash journal gave back. Applied, they hold exactly what the replica does.
    func testTheEditorTakesTheStoredRowAndTheRecoveredEditsTheReplicaIntegrated() async throws {
        let store = try await directory.sqliteStore()
        let document = DocumentID(name: "handover")
        let journalDirectory = directory.url.appendingPathComponent("state")
        do {
            let first = YjsPersistence(store: store, document: document, options: .init(saveDelay: .seconds(3600)))
            _ = try await first.load()
            first.record(Words.encode(["stored", "مخزن"]))
            try await first.flush()
            await first.close()
        }
        weak var crashedJournal: Journal?
        do {
            let journal = try Journal.open(document: document, in: journalDirectory)
            crashedJournal = journal
            let crashed = YjsPersistence(
                store: store, document: document, journal: journal, options: .init(saveDelay: .seconds(3600)))
            _ = try await crashed.load()
            crashed.record(Words.encode(["journaled"]))
            // The crash: no flush, no close.
        }
        await eventually { crashedJournal == nil }

        let rows = try await store.load(document)
        XCTAssertEqual(rows.count, 1)
        let journal = try Journal.open(document: document, in: journalDirectory)
        let persistence = YjsPersistence(
            store: store, document: document, journal: journal, options: .init(saveDelay: .seconds(3600)))
        let loaded = try await persistence.load()
        XCTAssertEqual(loaded.updates.map { $0.bytes }, [rows[0], try XCTUnwrap(loaded.recovered)])
        let editor = Doc()
        for update in loaded.updates { try editor.applyUpdate(update) }
        let replicaText = try await persistence.text("content")
        XCTAssertEqual(editor.getText().toString(), replicaText)
        let replicaVector = try await persistence.stateVector()
        XCTAssertEqual(editor.encodeStateVector(), replicaVector)
        XCTAssertEqual(Words.decode(try editor.encodeStateAsUpdate()), ["stored", "مخزن", "journaled"])
        await persistence.close()
    }
}

/// A real store whose next save waits, once it has started, until `release()`.
final class GatedStore: DocumentStore, @unchecked Sendable {
    let base: DocumentStore
    private let lock = NSLock()
    private var holding = false
    private var held = false
    private let gate = LockHolder()

    init(_ base: DocumentStore) { self.base = base }

    func hold() { lock.withLock { holding = true } }
    func release() { gate.signal() }

    func waitUntilHeld() async {
        await eventually { self.lock.withLock { self.held } }
    }

    func migrate() async throws { try await base.migrate() }
    func load(_ document: DocumentID) async throws -> [[UInt8]] { try await base.load(document) }
    func save(_ document: DocumentID, merge: @Sendable ([[UInt8]]) throws -> [UInt8]) async throws -> [UInt8] {
        let wait = lock.withLock {
            defer { holding = false }
            if holding { held = true }
            return holding
        }
        if wait { await gate.wait() }
        return try await base.save(document, merge: merge)
    }
    func close() async { await base.close() }
}
