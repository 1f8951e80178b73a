import DocumentStorage
import TestSupport
import XCTest

@testable import PostgresStore

/// Runs against the real PostgreSQL named by QALAM_TEST_DATABASE_URL
/// (`scripts/with-postgres.sh swift test ...` starts one). Without it the tests
/// skip locally and fail in CI (CI=true).
final class PostgresStoreTests: XCTestCase {
    private var url: String!

    override func setUp() async throws {
        url = try PostgresTestDatabase.url()
        let store = PostgresStore(connectionString: url)
        try await store.migrate()
        await store.close()
    }

    private var contract: StoreContract {
        let url = self.url!
        return StoreContract(open: { PostgresStore(connectionString: url) })
    }

    private var membership: MembershipContract {
        let url = self.url!
        return MembershipContract(open: { PostgresStore(connectionString: url) })
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
        let connection = PostgresConnection(conninfo: url)
        try connection.ensureOpen()
        try await contract.duplicateRowsAreLoadedAndCompacted { document, state in
            try connection.query(
                "INSERT INTO yjs_documents (document_id, state) VALUES ($1, $2)",
                [.uuid(document.description), .bytes(state)])
        }
    }

    /// Concurrent migrations (several editors starting at once) serialise.
    func testConcurrentMigrations() async throws {
        let url = self.url!
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let store = PostgresStore(connectionString: url)
                    try await store.migrate()
                    await store.close()
                }
            }
            try await group.waitForAll()
        }
        let connection = PostgresConnection(conninfo: url)
        try connection.ensureOpen()
        let versions = try connection.query("SELECT version::text FROM qalam_schema_migrations")
        XCTAssertEqual(versions.count, PostgresMigrations.all.count)
    }

    func testSaveNamesTheDocument() async throws {
        let store = PostgresStore(connectionString: url)
        let document = DocumentID(name: "chapter one \(UUID())")
        try await store.save(document, merge: StoreContract.union(adding: ["a"]))
        let connection = PostgresConnection(conninfo: url)
        try connection.ensureOpen()
        let titles = try connection.query("SELECT title FROM documents WHERE id = $1", [.uuid(document.description)])
        XCTAssertEqual(titles.first?.first?.map { String(decoding: $0, as: UTF8.self) }, document.name)
        await store.close()
    }

    /// The server kills the store's connection between calls (a restart, an
    /// idle timeout, pg_terminate_backend): the next call reconnects.
    func testKilledConnectionIsReconnected() async throws {
        let applicationName = "qalam-victim-\(UUID().uuidString.prefix(8))"
        let store = PostgresStore(connectionString: Self.url(url, applicationName: applicationName))
        let document = DocumentID(uuid: UUID())
        try await store.save(document, merge: StoreContract.union(adding: ["before"]))

        let admin = PostgresConnection(conninfo: url)
        try admin.ensureOpen()
        let killed = try admin.query(
            "SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity WHERE application_name = $1",
            [.text(applicationName)])
        XCTAssertEqual(killed.count, 1, "the store's connection must have been found and killed")

        let loaded = try await store.load(document)
        XCTAssertEqual(loaded.map(StoreContract.decode), [["before"]])

        _ = try admin.query(
            "SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity WHERE application_name = $1",
            [.text(applicationName)])
        try await store.save(document, merge: StoreContract.union(adding: ["after"]))
        let after = try await store.load(document)
        XCTAssertEqual(after.map(StoreContract.decode), [["after", "before"]])
        await store.close()
    }

    /// libpq keeps its buffers at the largest message's size: after a large
    /// document is saved or loaded the store lets that connection go (the next
    /// call opens a new one), and after a small one it keeps it.
    func testALargeDocumentDoesNotStayInTheConnectionsBuffers() async throws {
        let applicationName = "qalam-large-\(UUID().uuidString.prefix(8))"
        let store = PostgresStore(connectionString: Self.url(url, applicationName: applicationName))
        let admin = PostgresConnection(conninfo: url)
        try admin.ensureOpen()
        func storeIsConnected() throws -> Bool {
            try !admin.query("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [.text(applicationName)])
                .isEmpty
        }
        let small = DocumentID(uuid: UUID())
        try await store.save(small, merge: StoreContract.union(adding: ["small"]))
        XCTAssertTrue(try storeIsConnected(), "a small save keeps its connection")

        let large = DocumentID(uuid: UUID())
        let state = (0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        _ = try await store.save(large) { _ in state }
        await eventually("the connection that sent 2 MB is closed") { (try? storeIsConnected()) == false }
        let loaded = try await store.load(large)
        XCTAssertEqual(loaded, [state], "the next call opens a new connection")
        await eventually("the connection that received 2 MB is closed") { (try? storeIsConnected()) == false }
        let reloaded = try await store.load(small)
        XCTAssertEqual(reloaded.map(StoreContract.decode), [["small"]])
        XCTAssertTrue(try storeIsConnected())
        await store.close()
    }

    /// The connection dies in the middle of a save's transaction: the server
    /// rolls it back, and the store redoes the whole save on a new connection.
    func testConnectionKilledMidSaveIsRedoneWhole() async throws {
        let applicationName = "qalam-midsave-\(UUID().uuidString.prefix(8))"
        let store = PostgresStore(connectionString: Self.url(url, applicationName: applicationName))
        let document = DocumentID(uuid: UUID())
        try await store.save(document, merge: StoreContract.union(adding: ["first"]))

        let url = self.url!
        let calls = SeenRows()
        let attempts = Counter()
        try await store.save(document) { rows in
            calls.record(rows)
            if attempts.increment() == 1 {
                // Kill this very connection while its transaction holds the lock.
                let admin = PostgresConnection(conninfo: url)
                try admin.ensureOpen()
                _ = try admin.query(
                    "SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity WHERE application_name = $1",
                    [.text(applicationName)])
            }
            return try StoreContract.union(adding: ["second"])(rows)
        }
        XCTAssertEqual(attempts.value, 2, "the save is redone once on a fresh connection")
        let rows = try await store.load(document)
        XCTAssertEqual(rows.map(StoreContract.decode), [["first", "second"]])
        await store.close()
    }

    func testUnreachableServerIsAConnectionError() async throws {
        // Port 1 on loopback: nothing listens there, so the refusal is immediate.
        let store = PostgresStore(connectionString: "postgresql://qalam@127.0.0.1:1/qalam?connect_timeout=2")
        do {
            try await store.migrate()
            XCTFail("migrate must fail without a server")
        } catch let error as StoreError {
            guard case .connectionFailed = error else { return XCTFail("got \(error)") }
            XCTAssertTrue(error.description.contains("DATABASE_URL"), error.description)
        }
    }

    func testKeywordConnectionStringsWork() async throws {
        // The same database as a libpq keyword string, parsed from the URL.
        let components = try XCTUnwrap(URLComponents(string: url))
        var keywords = ["host=\(components.host ?? "127.0.0.1")", "dbname=\(components.path.dropFirst())"]
        if let port = components.port { keywords.append("port=\(port)") }
        if let user = components.user { keywords.append("user=\(user)") }
        if let password = components.password { keywords.append("password=\(password)") }
        let store = PostgresStore(connectionString: keywords.joined(separator: " "))
        let rows = try await store.load(DocumentID(uuid: UUID()))
        XCTAssertEqual(rows, [])
        await store.close()
    }

    private static func url(_ url: String, applicationName: String) -> String {
        url + (url.contains("?") ? "&" : "?") + "application_name=\(applicationName)"
    }
}

/// Counts calls across the store's queue.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() -> Int {
        lock.withLock {
            count += 1
            return count
        }
    }
    var value: Int { lock.withLock { count } }
}
