import DocumentStorage
import Foundation

/// The embedded default `DocumentStore`: one SQLite file holding the same
/// schema as PostgreSQL, in SQLite's dialect.
///
/// Several processes may use one file: it is in WAL mode, every save takes the
/// write lock up front (`BEGIN IMMEDIATE`) so concurrent merge-saves serialise
/// instead of failing, and a busy timeout waits out other writers.
/// SQLite calls block, so they run on the store's own serial queue.
public final class SQLiteStore: DocumentStore, @unchecked Sendable {
    // Safety of @unchecked Sendable: `connection` is only touched on `queue`.
    private let queue = DispatchQueue(label: "qalam.sqlite-store")
    private var connection: SQLiteConnection?

    /// The database file.
    public let path: String

    /// Opens (creating if needed) the database at `path`. Its directory must exist.
    ///
    /// - Parameter busyTimeout: how long a statement waits for another
    ///   process's lock before failing.
    public init(path: String, busyTimeout: Duration = .seconds(30)) throws {
        self.path = path
        connection = try SQLiteConnection(path: path, busyTimeout: busyTimeout)
    }

    /// `$XDG_DATA_HOME/qalam/qalam.sqlite3` (default
    /// `~/.local/share/qalam/qalam.sqlite3`), creating the directory.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String
    {
        let base: String
        // The XDG spec says relative values are invalid and must be ignored.
        if let dataHome = environment["XDG_DATA_HOME"], dataHome.hasPrefix("/") {
            base = dataHome
        } else if let home = environment["HOME"], !home.isEmpty {
            base = home + "/.local/share"
        } else {
            throw StoreError.connectionFailed(
                "neither XDG_DATA_HOME nor HOME is set, so there is no default place for the SQLite database; pass --database-url"
            )
        }
        let directory = base + "/qalam"
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError.connectionFailed("cannot create \(directory): \(error.localizedDescription)")
        }
        return directory + "/qalam.sqlite3"
    }

    public func migrate() async throws {
        try await perform { connection in
            try connection.execute("BEGIN IMMEDIATE")
            do {
                try connection.execute(
                    """
                    CREATE TABLE IF NOT EXISTS qalam_schema_migrations (
                        version INTEGER PRIMARY KEY,
                        file TEXT NOT NULL,
                        applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                    )
                    """)
                let applied = try connection.query("SELECT CAST(version AS TEXT) FROM qalam_schema_migrations")
                    .compactMap { $0.first.flatMap { $0 }.flatMap { Int(String(decoding: $0, as: UTF8.self)) } }
                let known = SQLiteMigrations.all.map(\.version).max() ?? 0
                if let newest = applied.max(), newest > known {
                    throw StoreError.schemaMismatch(
                        "the database is at schema version \(newest) but this build knows only up to \(known); upgrade Qalam"
                    )
                }
                for migration in SQLiteMigrations.all where !applied.contains(migration.version) {
                    try connection.execute(migration.sql)
                    try connection.query(
                        "INSERT INTO qalam_schema_migrations (version, file) VALUES (?, ?)",
                        [.text(String(migration.version)), .text(migration.file)])
                }
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    public func load(_ document: DocumentID) async throws -> [[UInt8]] {
        try await perform { connection in
            try connection.query(
                "SELECT state FROM yjs_documents WHERE document_id = ? ORDER BY updated_at, rowid",
                [.text(document.description)]
            ).compactMap { $0.first.flatMap { $0 } }
        }
    }

    @discardableResult
    public func save(_ document: DocumentID, merge: @Sendable ([[UInt8]]) throws -> [UInt8]) async throws -> [UInt8] {
        try await withoutActuallyEscaping(merge) { merge in
            // The queue runs the closure before `perform` returns.
            let box = MergeBox(merge: merge)
            return try await perform { connection in
                try Self.save(document, merge: box.merge, on: connection)
            }
        }
    }

    /// The bytes the connection's page cache holds between operations (for checks).
    func cacheBytes() async throws -> Int {
        try await perform { $0.cacheBytes }
    }

    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.connection = nil
                continuation.resume()
            }
        }
    }

    // MARK: - Internals

    private static func save(
        _ document: DocumentID, merge: ([[UInt8]]) throws -> [UInt8],
        on connection: SQLiteConnection
    ) throws -> [UInt8] {
        let id = SQLiteValue.text(document.description)
        // IMMEDIATE takes the write lock now, so two processes cannot both read
        // the old rows and then each write a merge that lacks the other's edits.
        try connection.execute("BEGIN IMMEDIATE")
        do {
            try connection.query(
                "INSERT OR IGNORE INTO documents (id, title) VALUES (?, ?)",
                [id, .text(document.name)])
            let rows = try connection.query(
                "SELECT rowid, state FROM yjs_documents WHERE document_id = ? ORDER BY updated_at, rowid",
                [.text(document.description)])
            let states = rows.compactMap { $0.count > 1 ? $0[1] : nil }
            let merged = try merge(states)

            try connection.query("DELETE FROM yjs_documents WHERE document_id = ?", [id])
            try connection.query(
                "INSERT INTO yjs_documents (document_id, state) VALUES (?, ?)", [id, .blob(merged)])
            try connection.query(
                "UPDATE documents SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?", [id])
            try connection.execute("COMMIT")
            return merged
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    func perform<T: Sendable>(_ operation: @escaping (SQLiteConnection) throws -> T) async throws -> T {
        let pending = PendingOperation(operation)
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                let result = Result {
                    try pending.run { operation in
                        guard let connection = self.connection else { throw StoreError.closed }
                        // Loads and saves read a document once: its pages are not worth keeping.
                        defer { connection.releaseCache() }
                        do {
                            return try operation(connection)
                        } catch let error as SQLiteQueryError {
                            throw error.storeError
                        }
                    }
                }
                continuation.resume(with: result)
            }
        }
    }
}

/// Carries the caller's non-escaping merge closure onto the store's queue.
private struct MergeBox: @unchecked Sendable {
    let merge: ([[UInt8]]) throws -> [UInt8]
}

/// Hands an operation to the store's queue and lets go of it before the
/// caller resumes: `save` lends its non-escaping merge closure through
/// `withoutActuallyEscaping`, which traps if anything still holds it on return.
private final class PendingOperation<T>: @unchecked Sendable {
    private var operation: ((SQLiteConnection) throws -> T)?

    init(_ operation: @escaping (SQLiteConnection) throws -> T) {
        self.operation = operation
    }

    /// Runs the operation once and releases it.
    func run(_ body: ((SQLiteConnection) throws -> T) throws -> T) throws -> T {
        guard let operation else { throw StoreError.closed }
        self.operation = nil
        return try body(operation)
    }
}
