import PostgresStore
import SQLiteStore
import XCTest

/// The SQL embedded in the stores must be exactly the canonical files under
/// Resources/migrations, so the two cannot drift apart.
final class MigrationFilesTests: XCTestCase {
    private let migrationsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Resources/migrations")

    func testPostgresMigrationsMatchFiles() throws {
        try assertEmbedded(PostgresMigrations.all.map { ($0.file, $0.sql) }, match: "")
    }

    func testSQLiteMigrationsMatchFiles() throws {
        try assertEmbedded(SQLiteMigrations.all.map { ($0.file, $0.sql) }, match: "sqlite")
    }

    func testVersionsAreOrderedAndUnique() {
        for versions in [PostgresMigrations.all.map(\.version), SQLiteMigrations.all.map(\.version)] {
            XCTAssertEqual(versions, Array(1...versions.count))
        }
    }

    private func assertEmbedded(_ embedded: [(file: String, sql: String)], match subdirectory: String) throws {
        let directory =
            subdirectory.isEmpty ? migrationsDirectory : migrationsDirectory.appendingPathComponent(subdirectory)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        XCTAssertEqual(
            embedded.map { ($0.file as NSString).lastPathComponent }, files,
            "every file under \(directory.path) must be embedded, in order")
        for (file, sql) in embedded {
            let text = try String(contentsOf: migrationsDirectory.appendingPathComponent(file), encoding: .utf8)
            XCTAssertEqual(sql, text, "\(file) differs from its embedded copy")
        }
    }
}
