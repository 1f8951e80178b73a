import DocumentStorage
import Foundation
import PostgresStore
import SQLiteStore
import TestSupport
import XCTest

@testable import Persistence

/// The autosaver against a real SQLite file (and PostgreSQL where it says so),
/// with word-set updates (see `Words`).
final class AutosaverTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
    }

    private func stored(_ store: DocumentStore, _ document: DocumentID) async throws -> Set<String> {
        try await store.load(document).reduce(into: Set<String>()) { $0.formUnion(Words.decode($1)) }
    }

    func testChangesCoalesceIntoOneSaveAndNoChangeWritesNothing() async throws {
        let store = CountingStore(try await directory.sqliteStore())
        let document = DocumentID(name: "debounce")
        let persistence = YjsPersistence(
            store: store, document: document,
            options: .init(saveDelay: .milliseconds(1500)), merge: Words.merge)
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
        guard case .saved(at: .some) = status else { return XCTFail("status \(status)") }
    }

    func testSaveNowSavesAtOnce() async throws {
        let store = CountingStore(try await directory.sqliteStore())
        let document = DocumentID(name: "ctrl-s")
        let persistence = YjsPersistence(
            store: store, document: document,
            options: .init(saveDelay: .seconds(3600)), merge: Words.merge)
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
            options: .init(saveDelay: .seconds(3600)), merge: Words.merge)
        _ = try await persistence.load()
        // Another editor saves after we loaded.
        try await store.save(document) { rows in try Words.merge(rows + [Words.encode(["theirs"])]) }
        persistence.record(Words.encode(["ours"]))
        try await persistence.flush()
        let words = try await stored(store, document)
        XCTAssertEqual(words, ["ours", "theirs"])
    }

    func testLoadReturnsEveryStoredRowMerged() async throws {
        let store = try await directory.sqliteStore()
        let document = DocumentID(name: "load")
        try await store.save(document) { _ in Words.encode(["stored"]) }
        let persistence = YjsPersistence(store: store, document: document, merge: Words.merge)
        let loaded = try await persistence.load()
        XCTAssertEqual(Words.decode(loaded), ["stored"])
    }

    func testNothingIsSavedWhenLoadFailed() async throws {
        // Nothing listens on port 1, so loading fails.
        let unreachable = PostgresStore(connectionString: "postgresql://qalam@127.0.0.1:1/qalam?connect_timeout=2")
        let store = CountingStore(unreachable)
        let persistence = YjsPersistence(
            store: store, document: DocumentID(name: "unloaded"),
            options: .init(saveDelay: .milliseconds(50)), merge: Words.merge)
        do {
            _ = try await persistence.load()
            XCTFail("load must fail without a server")
        } catch StoreError.connectionFailed {}
        persistence.record(Words.encode(["typed"]))
        do {
            try await persistence.saveNow()
            XCTFail("a document that was not loaded must not be saved")
        } catch PersistenceError.notLoaded {}
        try await Task.sleep(for: .milliseconds(300))
        XCTAssertEqual(store.saveCount, 0)
        let status = await persistence.status
        guard case .notLoaded(reason: .some) = status else { return XCTFail("status \(status)") }
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
                maximumRetryDelay: .seconds(1)),
            merge: Words.merge)
        _ = try await persistence.load()
        let statuses = await persistence.statusUpdates()

        let blocker = try SQLiteStore(path: directory.path("qalam.sqlite3"))
        let locked = LockHolder()
        let holding = Task {
            try await blocker.save(document) { rows in
                // Hold the write transaction open while the autosaver tries.
                locked.signal()
                Thread.sleep(forTimeInterval: 3)
                return try Words.merge(rows + [Words.encode(["blocker"])])
            }
        }
        await locked.wait()
        persistence.record(Words.encode(["kept"]))

        var sawFailure = false
        var sawSavedAfterFailure = false
        for await status in statuses {
            if case let .failed(reason, retryIn) = status {
                XCTAssertTrue(reason.contains("busy timeout") || reason.contains("locked"), reason)
                XCTAssertGreaterThan(retryIn, .zero)
                sawFailure = true
            }
            if sawFailure, case .saved(at: .some) = status {
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
                options: .init(saveDelay: .seconds(3600)), merge: Words.merge)
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
            options: .init(saveDelay: .seconds(3600)), merge: Words.merge)
        let loaded = try await persistence.load()
        XCTAssertEqual(Words.decode(loaded), ["before-crash-1", "before-crash-2"])
        let unsaved = await persistence.hasUnsavedChanges
        XCTAssertTrue(unsaved, "recovered edits must be saved")
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
            options: .init(saveDelay: .seconds(3600)), merge: Words.merge)
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
            options: .init(saveDelay: .milliseconds(100)), merge: Words.merge)
        let statuses = await persistence.statusUpdates()
        _ = try await persistence.load()
        persistence.record(Words.encode(["x"]))
        var seen: [String] = []
        for await status in statuses {
            switch status {
            case .notLoaded: seen.append("notLoaded")
            case .saved(at: nil): seen.append("loaded")
            case .unsaved: seen.append("unsaved")
            case .saving: seen.append("saving")
            case .saved(at: .some): seen.append("saved")
            case .failed: seen.append("failed")
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
                            initialRetryDelay: .milliseconds(50)),
                        merge: Words.merge)
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
