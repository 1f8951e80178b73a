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
                maximumRetryDelay: .seconds(1), probeInterval: .milliseconds(300)))
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
        guard case let .offline(reason, retryAt) = failed.phase else { return XCTFail("status \(failed)") }
        XCTAssertFalse(reason.isEmpty)
        XCTAssertFalse(reason.contains("\n"), "one line for the status bar: \(reason)")
        XCTAssertTrue(failed.phaseText().hasPrefix("offline — changes are kept on this machine ("), failed.phaseText())
        XCTAssertGreaterThan(try XCTUnwrap(retryAt), Date())
        let unsaved = await persistence.hasUnsavedChanges
        XCTAssertTrue(unsaved)

        // Let it fail a few more times: the store is probed at the same short
        // interval, no back-off, then restored.
        try await Task.sleep(for: .milliseconds(1000))
        let stillFailing = await persistence.status
        guard case let .offline(_, secondRetry) = stillFailing.phase else { return XCTFail("status \(stillFailing)") }
        XCTAssertLessThanOrEqual(
            try XCTUnwrap(secondRetry).timeIntervalSinceNow, 0.35, "an unreachable store is probed, not backed off")
        try admin.execute("ALTER DATABASE \(database) ALLOW_CONNECTIONS true")

        await eventually("the retry never saved") {
            if case .saved(at: .some) = await persistence.status.phase { return true }
            return false
        }
        let rows = try await store.load(document)
        XCTAssertEqual(Words.decode(rows: rows), ["survives the outage"])
        await persistence.close()
        await store.close()
    }
}
