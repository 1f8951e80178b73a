import DocumentStorage
import XCTest

@testable import SQLiteStore

final class SQLiteStoreTests: XCTestCase {
    private var directory: URL!
    private var path: String { directory.appendingPathComponent("qalam.sqlite3").path }

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("qalam-sqlite-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        await store.close()
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// An open editor keeps its store connection for the whole session: the
    /// pages of the document it loaded and saved are not kept in memory.
    func testALoadedAndSavedDocumentLeavesNothingInThePageCache() async throws {
        let store = try SQLiteStore(path: path)
        let document = DocumentID(name: "cache")
        let state = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try await store.save(document) { _ in state }
        let rows = try await store.load(document)
        XCTAssertEqual(rows, [state])
        let cached = try await store.cacheBytes()
        XCTAssertLessThan(cached, 64 * 1024, "the page cache holds \(cached) bytes after a 1 MB document")
        await store.close()
    }

    private var contract: StoreContract {
        let path = self.path
        return StoreContract(open: { try SQLiteStore(path: path) })
    }

    private var membership: MembershipContract {
        let path = self.path
        return MembershipContract(open: { try SQLiteStore(path: path) })
    }

    func testFirstCallerOwnsANewDocument() async throws { try await membership.firstCallerOwnsANewDocument() }
    func testConcurrentCreatorsGetOneOwner() async throws { try await membership.concurrentCreatorsGetOneOwner() }
    func testShareChangesAndUnshareRemoves() async throws { try await membership.shareChangesAndUnshareRemoves() }
    func testTheOwnerCannotBeDemotedOrRemoved() async throws { try await membership.theOwnerCannotBeDemotedOrRemoved() }
    func testSharingAMissingDocumentCreatesItWithoutOwner() async throws {
        try await membership.sharingAMissingDocumentCreatesItWithoutOwner()
    }

    func testMigrateTwice() async throws { try await contract.migrateTwice() }
    func testLoadOfUnsavedDocumentIsEmpty() async throws { try await contract.loadOfUnsavedDocumentIsEmpty() }
    func testSaveMergesWithStoredState() async throws { try await contract.saveMergesWithStoredState() }
    func testBinaryStatesRoundTrip() async throws { try await contract.binaryStatesRoundTrip() }
    func testThrowingMergeWritesNothing() async throws { try await contract.throwingMergeWritesNothing() }
    func testConcurrentSavesLoseNothing() async throws { try await contract.concurrentSavesLoseNothing() }
    func testClosedStoreRefusesCalls() async throws { try await contract.closedStoreRefusesCalls() }

    func testDuplicateRowsAreLoadedAndCompacted() async throws {
        let connection = try SQLiteConnection(path: path, busyTimeout: .seconds(5))
        try await contract.duplicateRowsAreLoadedAndCompacted { document, state in
            try connection.query(
                "INSERT INTO yjs_documents (document_id, state) VALUES (?, ?)",
                [.text(document.description), .blob(state)])
        }
    }

    func testSchemaHasVersionTableAndUUIDDefaults() async throws {
        let connection = try SQLiteConnection(path: path, busyTimeout: .seconds(5))
        let versions = try connection.query("SELECT version, file FROM qalam_schema_migrations")
        XCTAssertEqual(versions.count, SQLiteMigrations.all.count, "migrate must record each version once")

        let document = DocumentID(name: "defaults")
        try connection.query("INSERT INTO documents (id) VALUES (?)", [.text(document.description)])
        try connection.query(
            "INSERT INTO yjs_documents (document_id, state) VALUES (?, ?)",
            [.text(document.description), .blob([1])])
        let ids = try connection.query("SELECT id FROM yjs_documents").compactMap { $0.first ?? nil }
        let id = try XCTUnwrap(ids.first.map { String(decoding: $0, as: UTF8.self) })
        let uuid = try XCTUnwrap(UUID(uuidString: id), "default id \(id) must be a UUID")
        XCTAssertEqual(uuid.uuidString.lowercased(), id)
        XCTAssertEqual(Array(id)[14], "4", "the default is a version 4 UUID")
    }

    func testJournalModeIsWAL() throws {
        let connection = try SQLiteConnection(path: path, busyTimeout: .seconds(5))
        let mode = try connection.query("PRAGMA journal_mode").first?.first ?? nil
        XCTAssertEqual(mode.map { String(decoding: $0, as: UTF8.self) }, "wal")
    }

    /// A save waits for another process's write transaction instead of failing.
    func testSaveWaitsForAnotherWriter() async throws {
        let blocker = try SQLiteConnection(path: path, busyTimeout: .seconds(5))
        try blocker.execute("BEGIN IMMEDIATE")
        let store = try SQLiteStore(path: path)
        let document = DocumentID(uuid: UUID())
        let save = Task { try await store.save(document, merge: StoreContract.union(adding: ["waited"])) }
        try await Task.sleep(for: .milliseconds(300))
        try blocker.execute("COMMIT")
        let written = try await save.value
        XCTAssertEqual(StoreContract.decode(written), ["waited"])
    }

    func testBusyTimeoutGivesAClearError() async throws {
        let blocker = try SQLiteConnection(path: path, busyTimeout: .seconds(5))
        try blocker.execute("BEGIN IMMEDIATE")
        defer { try? blocker.execute("ROLLBACK") }
        let store = try SQLiteStore(path: path, busyTimeout: .milliseconds(100))
        do {
            try await store.save(DocumentID(uuid: UUID()), merge: StoreContract.union(adding: ["x"]))
            XCTFail("save must fail while another writer holds the lock past the timeout")
        } catch let error as StoreError {
            XCTAssertTrue(error.description.contains("busy timeout"), error.description)
        }
    }

    func testLoadBeforeMigrateSaysToMigrate() async throws {
        let store = try SQLiteStore(path: directory.appendingPathComponent("empty.sqlite3").path)
        do {
            _ = try await store.load(DocumentID(uuid: UUID()))
            XCTFail("load on an unmigrated database must fail")
        } catch let error as StoreError {
            guard case .schemaMismatch = error else { return XCTFail("got \(error)") }
            XCTAssertTrue(error.description.contains("qalam db migrate"))
        }
    }

    func testUnopenablePathIsAConnectionError() {
        XCTAssertThrowsError(try SQLiteStore(path: directory.appendingPathComponent("missing/dir/x.sqlite3").path)) {
            error in
            guard case StoreError.connectionFailed = error else { return XCTFail("got \(error)") }
        }
    }

    func testDefaultPathFollowsXDGAndCreatesTheDirectory() throws {
        let dataHome = directory.appendingPathComponent("data").path
        let path = try SQLiteStore.defaultPath(environment: ["XDG_DATA_HOME": dataHome, "HOME": "/nonexistent"])
        XCTAssertEqual(path, dataHome + "/qalam/qalam.sqlite3")
        var isDirectory: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: dataHome + "/qalam", isDirectory: &isDirectory))
        XCTAssertTrue(isDirectory.boolValue)

        let home = directory.appendingPathComponent("home").path
        let fallback = try SQLiteStore.defaultPath(environment: ["XDG_DATA_HOME": "relative/ignored", "HOME": home])
        XCTAssertEqual(fallback, home + "/.local/share/qalam/qalam.sqlite3")
    }
}
