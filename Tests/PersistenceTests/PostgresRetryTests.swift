import DocumentStorage
import Foundation
import TestSupport
import XCTest

@testable import Persistence
@testable import PostgresStore

/// The database goes away under an open document and comes back: the save
/// fails, the status says so, the edit is kept, and a retry saves it.
final class PostgresRetryTests: XCTestCase {
    func testSaveIsRetriedUntilTheDatabaseAcceptsConnectionsAgain() async throws {
        let url = try PostgresTestDatabase.url()
        let admin = PostgresConnection(conninfo: url)
        try admin.ensureOpen()
        let database = "qalam_retry_\(UUID().uuidString.prefix(8).lowercased())"
        try admin.execute("CREATE DATABASE \(database)")
        defer {
            try? admin.execute("ALTER DATABASE \(database) ALLOW_CONNECTIONS true")
            _ = try? admin.query(
                "SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity WHERE datname = $1",
                [.text(database)])
            try? admin.execute("DROP DATABASE IF EXISTS \(database)")
        }
        var components = try XCTUnwrap(URLComponents(string: url))
        components.path = "/" + database
        let databaseURL = try XCTUnwrap(components.string)

        let store = PostgresStore(connectionString: databaseURL)
        try await store.migrate()
        let document = DocumentID(name: "retry")
        let persistence = YjsPersistence(
            store: store, document: document,
            options: .init(
                saveDelay: .seconds(3600), initialRetryDelay: .milliseconds(300),
                maximumRetryDelay: .seconds(1)),
            merge: Words.merge)
        _ = try await persistence.load()

        // The server refuses the database and drops the store's connection.
        try admin.execute("ALTER DATABASE \(database) ALLOW_CONNECTIONS false")
        _ = try admin.query(
            "SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity WHERE datname = $1",
            [.text(database)])

        persistence.record(Words.encode(["survives the outage"]))
        do {
            try await persistence.saveNow()
            XCTFail("the save must fail while the database refuses connections")
        } catch StoreError.connectionFailed {}
        let failed = await persistence.status
        guard case let .failed(reason, retryIn) = failed else { return XCTFail("status \(failed)") }
        XCTAssertTrue(reason.contains("cannot connect"), reason)
        XCTAssertGreaterThan(retryIn, .zero)
        let unsaved = await persistence.hasUnsavedChanges
        XCTAssertTrue(unsaved)

        // Let it fail at least once more, with a longer wait, then restore.
        try await Task.sleep(for: .milliseconds(500))
        let stillFailing = await persistence.status
        guard case let .failed(_, secondRetry) = stillFailing else { return XCTFail("status \(stillFailing)") }
        XCTAssertGreaterThanOrEqual(secondRetry, retryIn, "retries back off")
        try admin.execute("ALTER DATABASE \(database) ALLOW_CONNECTIONS true")

        await eventually("the retry never saved") {
            if case .saved(at: .some) = await persistence.status { return true }
            return false
        }
        let rows = try await store.load(document)
        XCTAssertEqual(rows.map(Words.decode), [["survives the outage"]])
        await persistence.close()
        await store.close()
    }
}
