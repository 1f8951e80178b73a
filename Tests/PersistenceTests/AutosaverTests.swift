import DocumentStorage
import Foundation
import PostgresStore
import SQLiteStore
import TestSupport
import XCTest
import YCRDT

@testable import Persistence

/// The autosaver against a real SQLite file (and PostgreSQL where it says so),
/// with word-set updates (see `Words`).
final class AutosaverTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
    }

    private func stored(_ store: DocumentStore, _ document: DocumentID) async throws -> Set<String> {
        Words.decode(rows: try await store.load(document))
    }

    func testChangesCoalesceIntoOneSaveAndNoChangeWritesNothing() async throws {
        let store = CountingStore(try await directory.sqliteStore())
        let document = DocumentID(name: "debounce")
        let persistence = YjsPersistence(
            store: store, document: document,
            options: .init(saveDelay: .milliseconds(1500)))
        _ = try await persistence.load()
        for word in ["one", "two", "three", "four", "five"] {
            persistence.record(Words.encode([word]))
        }
        try await Task.sleep(for: .milliseconds(100))
        XCTAssertEqual(store.saveCount, 0, "the save waits for the delay")
        await eventually { store.saveCount >= 1 }
        let words = try await stored(store, document)
        XCTAssertEqual(words, ["one", "two", "three", "four", "five"])

        try await Task.sleep(for: .milliseconds(1200))
        XCTAssertEqual(store.saveCount, 1, "five changes make one save, and no change makes none")
        try await persistence.flush()
        XCTAssertEqual(store.saveCount, 1, "flush with nothing changed writes nothing")
        let status = await persistence.status
        guard case .saved(at: .some) = status.phase else { return XCTFail("status \(status)") }
    }

    func testSaveNowSavesAtOnce() async throws {
        let store = CountingStore(try await directory.sqliteStore())
        let document = DocumentID(name: "ctrl-s")
        let persistence = YjsPersistence(
            store: store, document: document,
            options: .init(saveDelay: .seconds(3600)))
        _ = try await persistence.load()
        persistence.record(Words.encode(["typed"]))
        try await persistence.saveNow()
        XCTAssertEqual(store.saveCount, 1)
        let words = try await stored(store, document)
        XCTAssertEqual(words, ["typed"])
        let unsaved = await persistence.hasUnsavedChanges
        XCTAssertFalse(unsaved)
    }

    func testSaveMergesWithWhatOthersStored() async throws {
        let store = try await directory.sqliteStore()
        let document = DocumentID(name: "merge")
        let persistence = YjsPersistence(
            store: store, document: document,
            options: .init(saveDelay: .seconds(3600)))
        _ = try await persistence.load()
        // Another editor saves after we loaded.
        try await store.save(document) { rows in try Words.save(["theirs"], over: rows) }
        persistence.record(Words.encode(["ours"]))
        try await persistence.flush()
        let words = try await stored(store, document)
        XCTAssertEqual(words, ["ours", "theirs"])
    }

    func testALoneWritersSavesDoNotDecodeTheStoreAgainButAnotherWritersSaveArrives() async throws {
        let store = try await directory.sqliteStore()
        let document = DocumentID(name: "lone")
        let persistence = YjsPersistence(
            store: store, document: document,
            options: .init(saveDelay: .seconds(3600)))
        _ = try await persistence.load()
        let doc = Doc(clientID: 11)
        let observer = doc.onUpdate { update, _ in persistence.record(update) }
        defer { doc.removeObserver(observer) }
        let text = doc.getText()
        for round in 0..<3 {
            for word in ["alpha ", "بيت ", "gamma "] { text.insert(word, at: text.length) }
            text.delete(at: 0, length: 1)
            try await persistence.saveNow()
            let merges = await persistence.storedMergeCount
            XCTAssertEqual(merges, 0, "save \(round + 1) wrote only this replica's state: nothing to bring in")
            let ownStateSaves = await persistence.ownStateSaveCount
            XCTAssertEqual(
                ownStateSaves, round,
                "save \(round + 1) found the store holding what this editor wrote before (none at the first)")
        }
        let words = try await stored(store, document)
        XCTAssertEqual(words, Words.decode(try doc.encodeStateAsUpdate()))

        var arrived: [UInt8]?
        let changes = Task {
            for await change in persistence.storedChanges {
                arrived = change
                break
            }
        }
        try await store.save(document) { rows in try Words.save(["theirs"], over: rows) }
        text.insert("ours", at: 0)
        try await persistence.saveNow()
        let merges = await persistence.storedMergeCount
        XCTAssertEqual(merges, 1, "the store held another writer's save")
        var ownStateSaves = await persistence.ownStateSaveCount
        XCTAssertEqual(ownStateSaves, 2, "another writer's row is integrated, not written over")
        _ = await changes.value
        XCTAssertEqual(arrived.map(Words.decode), ["theirs"], "the other writer's words reach the editor")
        if let arrived { try doc.applyUpdate(arrived) }

        // The merged state, now in the replica, is what the store holds: the
        // next save writes the replica's own state, which still has their words.
        text.insert("again ", at: 0)
        try await persistence.saveNow()
        ownStateSaves = await persistence.ownStateSaveCount
        XCTAssertEqual(ownStateSaves, 3)
        let reopened = try StoredState.document(from: try await store.load(document))
        let storedText = reopened.getText().toString()
        XCTAssertEqual(storedText, doc.getText().toString())
        XCTAssertTrue(storedText.contains("theirs\n"), storedText)
    }

    func testTheFirstSaveAfterLoadingOneRowWritesTheReplicasStateButAnotherRowIsMerged() async throws {
        let store = try await directory.sqliteStore()
        let document = DocumentID(name: "loaded-row")
        try await store.save(document) { rows in try Words.save(["stored"], over: rows) }
        let persistence = YjsPersistence(
            store: store, document: document,
            options: .init(saveDelay: .seconds(3600)))
        _ = try await persistence.load()
        persistence.record(Words.encode(["first"]))
        try await persistence.saveNow()
        var ownStateSaves = await persistence.ownStateSaveCount
        XCTAssertEqual(ownStateSaves, 1, "the store held the row this replica was loaded from")
        var words = try await stored(store, document)
        XCTAssertEqual(words, ["stored", "first"])

        // Another writer replaces the row with one holding the same words and
        // more: different bytes, so this save integrates them.
        try await store.save(document) { rows in try Words.save(["theirs"], over: rows) }
        persistence.record(Words.encode(["second"]))
        try await persistence.saveNow()
        ownStateSaves = await persistence.ownStateSaveCount
        XCTAssertEqual(ownStateSaves, 1)
        words = try await stored(store, document)
        XCTAssertEqual(words, ["stored", "first", "theirs", "second"])
    }

    func testLoadReturnsEveryStoredRowMerged() async throws {
        let store = try await directory.sqliteStore()
        let document = DocumentID(name: "load")
        try await store.save(document) { _ in Words.encode(["stored"]) }
        let persistence = YjsPersistence(store: store, document: document)
        let loaded = try await persistence.load()
        XCTAssertEqual(Words.decode(loaded.state), ["stored"])
        XCTAssertFalse(loaded.isOffline)
    }

    /// A store that answers but holds a row that is not a Yjs update: the
    /// document is not opened, and nothing is written over what is stored.
    func testNothingIsSavedWhenTheStoredDocumentCannotBeRead() async throws {
        let store = CountingStore(try await directory.sqliteStore())
        let document = DocumentID(name: "unloaded")
        try await store.base.save(document) { _ in [0xFF, 0xFF, 0xFF] }
        let persistence = YjsPersistence(
            store: store, document: document, options: .init(saveDelay: .milliseconds(50)))
        do {
            _ = try await persistence.load()
            XCTFail("load must fail on a damaged row")
        } catch let error as StoredStateError {
            guard case .invalidRow(index: 0, count: 1, _) = error else { return XCTFail("got \(error)") }
        }
        persistence.record(Words.encode(["typed"]))
        do {
            try await persistence.saveNow()
            XCTFail("a document that was not loaded must not be saved")
        } catch PersistenceError.notLoaded {}
        try await Task.sleep(for: .milliseconds(300))
        XCTAssertEqual(store.saveCount, 0)
        let status = await persistence.status
        guard case .notLoaded(reason: .some) = status.phase else { return XCTFail("status \(status)") }
        let rows = try await store.load(document)
        XCTAssertEqual(rows, [[0xFF, 0xFF, 0xFF]], "the stored row is untouched")
    }

    /// Another process holds the SQLite write lock past the busy timeout: the
    /// save fails, the status says so, the change is kept, and a retry saves
    /// it once the lock is gone.
    func testFailedSaveIsRetriedWithBackoff() async throws {
        let store = try await directory.sqliteStore(busyTimeout: .milliseconds(50))
        let document = DocumentID(name: "retry")
        let persistence = YjsPersistence(
            store: store, document: document,
            options: .init(
                saveDelay: .milliseconds(50), initialRetryDelay: .milliseconds(300),
                maximumRetryDelay: .seconds(1)))
        _ = try await persistence.load()
        let statuses = await persistence.statusUpdates()

        let blocker = try SQLiteStore(path: directory.path("qalam.sqlite3"))
        let locked = LockHolder()
        let holding = Task {
            try await blocker.save(document) { rows in
                // Hold the write transaction open while the autosaver tries.
                locked.signal()
                Thread.sleep(forTimeInterval: 3)
                return try Words.save(["blocker"], over: rows)
            }
        }
        await locked.wait()
        persistence.record(Words.encode(["kept"]))

        var sawFailure = false
        var sawSavedAfterFailure = false
        for await status in statuses {
            if case let .failed(reason, retryAt) = status.phase {
                XCTAssertTrue(reason.contains("busy timeout") || reason.contains("locked"), reason)
                XCTAssertTrue(reason.contains("kept in the crash journal"), reason)
                XCTAssertGreaterThan(try XCTUnwrap(retryAt), Date())
                sawFailure = true
            }
            if sawFailure, case .saved(at: .some) = status.phase {
                sawSavedAfterFailure = true
                break
            }
        }
        _ = try await holding.value
        XCTAssertTrue(sawFailure)
        XCTAssertTrue(sawSavedAfterFailure)
        let words = try await stored(store, document)
        XCTAssertEqual(words, ["blocker", "kept"])
    }

    func testJournalIsReplayedAfterACrash() async throws {
        let store = try await directory.sqliteStore()
        let document = DocumentID(name: "crash")
        let journalDirectory = directory.url.appendingPathComponent("state")
        weak var crashedJournal: Journal?
        do {
            let journal = try Journal.open(document: document, in: journalDirectory)
            crashedJournal = journal
            let persistence = YjsPersistence(
                store: store, document: document, journal: journal,
                options: .init(saveDelay: .seconds(3600)))
            _ = try await persistence.load()
            persistence.record(Words.encode(["before-crash-1"]))
            persistence.record(Words.encode(["before-crash-2"]))
            // The crash: no flush, no close; the session's objects just vanish.
        }
        await eventually { crashedJournal == nil }
        let stillEmpty = try await stored(store, document)
        XCTAssertEqual(stillEmpty, [])

        let journal = try Journal.open(document: document, in: journalDirectory)
        let persistence = YjsPersistence(
            store: store, document: document, journal: journal,
            options: .init(saveDelay: .seconds(3600)))
        let loaded = try await persistence.load()
        XCTAssertEqual(Words.decode(loaded.state), ["before-crash-1", "before-crash-2"])
        XCTAssertEqual(loaded.recovery?.recovered, 2)
        XCTAssertEqual(loaded.recovered.map(Words.decode), ["before-crash-1", "before-crash-2"])
        let unsaved = await persistence.hasUnsavedChanges
        XCTAssertTrue(unsaved, "recovered edits must be saved")
        // Said at once, not after the first save.
        let status = await persistence.status
        guard case .unsaved(_, recovered: 2) = status.phase else { return XCTFail("status \(status)") }
        XCTAssertEqual(status.phaseText(), "unsaved changes (recovered 2 edits)")
        try await persistence.flush()
        let words = try await stored(store, document)
        XCTAssertEqual(words, ["before-crash-1", "before-crash-2"])
        await persistence.close()

        // Saved, so the next session has nothing to replay.
        let next = try Journal.open(document: document, in: journalDirectory)
        XCTAssertEqual(next.recovered, [])
        next.close()
    }

    func testJournalKeepsChangesMadeDuringASave() async throws {
        let store = try await directory.sqliteStore()
        let document = DocumentID(name: "during")
        let journalDirectory = directory.url.appendingPathComponent("state")
        var journal: Journal? = try Journal.open(document: document, in: journalDirectory)
        var persistence: YjsPersistence? = YjsPersistence(
            store: store, document: document, journal: journal,
            options: .init(saveDelay: .seconds(3600)))
        _ = try await persistence?.load()
        persistence?.record(Words.encode(["saved"]))
        try await persistence?.saveNow()
        persistence?.record(Words.encode(["unsaved"]))
        weak let crashedJournal = journal
        persistence = nil
        journal = nil
        // The autosaver's wake-up task may hold it a moment longer.
        await eventually { crashedJournal == nil }

        let reopened = try Journal.open(document: document, in: journalDirectory)
        XCTAssertEqual(reopened.recovered.map(Words.decode), [["unsaved"]])
        reopened.close()
    }

    func testStatusStreamReportsTheSaveCycle() async throws {
        let store = try await directory.sqliteStore()
        let persistence = YjsPersistence(
            store: store, document: DocumentID(name: "status"),
            options: .init(saveDelay: .milliseconds(100)))
        let statuses = await persistence.statusUpdates()
        _ = try await persistence.load()
        persistence.record(Words.encode(["x"]))
        var seen: [String] = []
        for await status in statuses {
            switch status.phase {
            case .notLoaded: seen.append("notLoaded")
            case .saved(at: nil): seen.append("loaded")
            case .unsaved: seen.append("unsaved")
            case .saving: seen.append("saving")
            case .saved(at: .some): seen.append("saved")
            case .failed: seen.append("failed")
            case .offline: seen.append("offline")
            }
            if seen.last == "saved" { break }
        }
        XCTAssertEqual(seen, ["notLoaded", "loaded", "unsaved", "saving", "saved"])
    }

    /// Five editors, each with its own autosaver and its own connection,
    /// type into one document at once; every word survives.
    func testFiveConcurrentAutosaversLoseNothingSQLite() async throws {
        let path = directory.path("qalam.sqlite3")
        _ = try await directory.sqliteStore()
        try await fiveConcurrentAutosavers { try SQLiteStore(path: path) }
    }

    func testFiveConcurrentAutosaversLoseNothingPostgres() async throws {
        let url = try PostgresTestDatabase.url()
        let setup = PostgresStore(connectionString: url)
        try await setup.migrate()
        await setup.close()
        try await fiveConcurrentAutosavers { PostgresStore(connectionString: url) }
    }

    private func fiveConcurrentAutosavers(open: @escaping @Sendable () throws -> DocumentStore) async throws {
        let document = DocumentID(name: "five-\(UUID())")
        let wordsEach = 40
        try await withThrowingTaskGroup(of: Void.self) { group in
            for editor in 0..<5 {
                group.addTask {
                    let store = try open()
                    let persistence = YjsPersistence(
                        store: store, document: document,
                        options: .init(
                            saveDelay: .milliseconds(30),
                            initialRetryDelay: .milliseconds(50)))
                    _ = try await persistence.load()
                    for word in 0..<wordsEach {
                        persistence.record(Words.encode(["e\(editor)-w\(word)"]))
                        try await Task.sleep(for: .milliseconds(Int.random(in: 1...8)))
                    }
                    try await persistence.flush()
                    await persistence.close()
                    await store.close()
                }
            }
            try await group.waitForAll()
        }
        let check = try open()
        let words = try await stored(check, document)
        let rows = try await check.load(document)
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(words, Set((0..<5).flatMap { editor in (0..<wordsEach).map { "e\(editor)-w\($0)" } }))
        await check.close()
    }

    // MARK: - Integrity

    /// The journal cannot be written (a full disk): the status says so at
    /// once, not at the next save, and clears as soon as writes work again;
    /// what could not be journaled meanwhile is journaled then.
    func testAJournalThatCannotBeWrittenShowsAtOnceAndClearsWhenWritesWorkAgain() async throws {
        let store = try await directory.sqliteStore()
        let document = DocumentID(name: "enospc")
        let state = directory.url.appendingPathComponent("state")
        let journal = try Journal.open(document: document, in: state)
        let persistence = YjsPersistence(
            store: store, document: document, journal: journal, options: .init(saveDelay: .seconds(3600)))
        _ = try await persistence.load()
        persistence.record(Words.encode(["journaled"]))
        journal.injectedWriteError = ENOSPC
        persistence.record(Words.encode(["not crash-safe"]))
        await eventually("the journal failure never showed") { await persistence.status.journalProblem != nil }
        let failing = await persistence.status
        let text = try XCTUnwrap(failing.journalText)
        XCTAssertTrue(text.hasPrefix("edits are not crash-safe: \(String(cString: strerror(ENOSPC)))"), text)
        XCTAssertTrue(failing.text().contains(text))

        journal.injectedWriteError = nil
        await eventually("the journal failure never cleared") { await persistence.status.journalProblem == nil }
        // Everything is in the journal now, the edit that failed included.
        XCTAssertEqual(Journal.decode(Array(try Data(contentsOf: journal.url))).records.count, 2)
        await persistence.close()
    }

    /// An editor that only receives others' edits has nothing unsaved of its
    /// own: its status stays "saved", yet what it received is saved too.
    func testReceivedEditsAreSavedButNeverMakeTheStatusUnsaved() async throws {
        let store = CountingStore(try await directory.sqliteStore())
        let document = DocumentID(name: "receiver")
        let persistence = YjsPersistence(
            store: store, document: document, options: .init(saveDelay: .milliseconds(100)))
        _ = try await persistence.load()
        let statuses = await persistence.statusUpdates()
        persistence.record(Words.encode(["from a peer"]), isLocal: false)
        await eventually { store.saveCount >= 1 }
        let words = try await stored(store, document)
        XCTAssertEqual(words, ["from a peer"])
        let unsaved = await persistence.hasUnsavedChanges
        XCTAssertFalse(unsaved, "nothing of this writer's is at stake")
        await persistence.close()
        var phases: [String] = []
        for await status in statuses { phases.append(status.phaseName) }
        XCTAssertFalse(phases.contains("unsaved"), "phases \(phases)")
        XCTAssertFalse(phases.contains("saving"), "phases \(phases)")
    }

    /// A journal record with a valid checksum that is not a Yjs update: the
    /// document opens anyway with every other record, the notice names the
    /// journal, and the journal is kept.
    func testAJournalRecordThatIsNotAnUpdateNeverBlocksOpening() async throws {
        let store = try await directory.sqliteStore()
        let document = DocumentID(name: "bad-record")
        let state = directory.url.appendingPathComponent("state")
        do {
            let journal = try Journal.open(document: document, in: state)
            try journal.append(Words.encode(["good one"]))
            try journal.append(Array("not a Yjs update".utf8))
            try journal.append(Words.encode(["good two"]))
            // Crash: dropped without close.
        }
        let journal = try Journal.open(document: document, in: state)
        let persistence = YjsPersistence(store: store, document: document, journal: journal)
        let loaded = try await persistence.load()
        XCTAssertEqual(Words.decode(loaded.state), ["good one", "good two"])
        let recovery = try XCTUnwrap(loaded.recovery)
        XCTAssertEqual(recovery.recovered, 2)
        XCTAssertEqual(recovery.refused, 1)
        let kept = try XCTUnwrap(recovery.keptFiles.first)
        XCTAssertTrue(FileManager.default.fileExists(atPath: kept))
        let status = await persistence.status
        let notice = try XCTUnwrap(status.notice)
        XCTAssertTrue(notice.contains("recovered 2 of 3 edits") && notice.contains(kept), notice)
        XCTAssertEqual(status.phaseText(), "unsaved changes (recovered 2 edits)")
        try await persistence.flush()
        let words = try await stored(store, document)
        XCTAssertEqual(words, ["good one", "good two"])
        await persistence.close()
    }

    /// A stored row that does not apply (written by another tool after this
    /// editor loaded): the save writes nothing, keeps the journal, and the
    /// status says why.
    func testASaveThatWouldNotBeTheIntegratedDocumentWritesNothingAndSaysSo() async throws {
        let store = try await directory.sqliteStore()
        let document = DocumentID(name: "check-fails")
        let state = directory.url.appendingPathComponent("state")
        let journal = try Journal.open(document: document, in: state)
        let persistence = YjsPersistence(
            store: store, document: document, journal: journal,
            options: .init(saveDelay: .seconds(3600), initialRetryDelay: .seconds(3600)))
        _ = try await persistence.load()
        try await store.save(document) { _ in [0x01, 0x02] }
        persistence.record(Words.encode(["kept safe"]))
        do {
            try await persistence.saveNow()
            XCTFail("the save must refuse a stored row that does not apply")
        } catch let error as StoredStateError {
            guard case .invalidRow = error else { return XCTFail("got \(error)") }
        }
        let rows = try await store.load(document)
        XCTAssertEqual(rows, [[0x01, 0x02]], "nothing was written")
        let status = await persistence.status
        guard case let .failed(reason, _) = status.phase else { return XCTFail("status \(status)") }
        XCTAssertTrue(reason.contains("row 1 of 1") && reason.contains("kept in the crash journal"), reason)
        XCTAssertEqual(Journal.decode(Array(try Data(contentsOf: journal.url))).records.count, 1, "the journal is kept")
        await persistence.close()
    }

    /// Every notice expires.
    func testANoticeExpires() async throws {
        let store = try await directory.sqliteStore()
        let document = DocumentID(name: "notice")
        let state = directory.url.appendingPathComponent("state")
        do {
            let journal = try Journal.open(document: document, in: state)
            try journal.append(Array("garbage".utf8))
        }
        let persistence = YjsPersistence(
            store: store, document: document, journal: try Journal.open(document: document, in: state),
            options: .init(noticeLifetime: .milliseconds(300)))
        _ = try await persistence.load()
        let shown = await persistence.status.notice
        XCTAssertNotNil(shown)
        await eventually("the notice never expired") { await persistence.status.notice == nil }
        await persistence.close()
    }
}

/// Lets a test wait until a store's merge closure, running on the store's
/// queue, has the write lock.
final class LockHolder: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func signal() { semaphore.signal() }
    func wait() async {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                self.semaphore.wait()
                continuation.resume()
            }
        }
    }
}
