import DocumentStorage
import Foundation

/// The `DocumentStore` on PostgreSQL (or Supabase's database), through libpq.
///
/// The connection string is handed to libpq as is, so a URL
/// (`postgresql://user@host/db?sslmode=require`), a keyword string
/// (`host=... sslmode=verify-full`) and every `PG*` environment variable work,
/// TLS included. Statements are parameterised and unnamed, so a
/// transaction-mode pooler (PgBouncer, Supavisor) in between is fine.
///
/// libpq blocks, so every call runs on the store's own serial queue, off
/// Swift's cooperative pool; the queue also makes one store instance run one
/// statement sequence at a time. A connection the server dropped is reset and
/// the call retried once: every operation is safe to repeat, because a save
/// is a merge and an interrupted transaction is rolled back by the server.
public final class PostgresStore: DocumentStore, @unchecked Sendable {
    // Safety of @unchecked Sendable: `connection` and `isClosed` are only
    // touched on `queue`.
    private let queue = DispatchQueue(label: "qalam.postgres-store")
    private let connection: PostgresConnection
    private var isClosed = false

    /// Key of the advisory lock that serialises concurrent `migrate` calls.
    private static let migrationLockKey: Int64 = 0x7161_6C61_6D00_0001

    /// Creates a store; the connection is opened by the first call.
    ///
    /// - Parameter connectionString: a libpq connection string or
    ///   `postgres://`/`postgresql://` URL; empty means libpq's defaults and
    ///   the `PG*` environment variables.
    public init(connectionString: String) {
        connection = PostgresConnection(conninfo: connectionString)
    }

    public func migrate() async throws {
        try await perform { connection in
            try connection.execute("BEGIN")
            do {
                try connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))")
                try connection.execute(
                    """
                    CREATE TABLE IF NOT EXISTS qalam_schema_migrations (
                        version integer PRIMARY KEY,
                        file text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """)
                let applied = try connection.query("SELECT version::text FROM qalam_schema_migrations")
                    .compactMap { $0.first.flatMap { $0 }.flatMap { Int(String(decoding: $0, as: UTF8.self)) } }
                let known = PostgresMigrations.all.map(\.version).max() ?? 0
                if let newest = applied.max(), newest > known {
                    throw StoreError.schemaMismatch(
                        "the database is at schema version \(newest) but this build knows only up to \(known); upgrade Qalam"
                    )
                }
                for migration in PostgresMigrations.all where !applied.contains(migration.version) {
                    try connection.execute(migration.sql)
                    try connection.query(
                        "INSERT INTO qalam_schema_migrations (version, file) VALUES ($1, $2)",
                        [.integer(migration.version), .text(migration.file)])
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
                "SELECT state FROM yjs_documents WHERE document_id = $1 ORDER BY updated_at, id",
                [.uuid(document.description)]
            ).compactMap { $0.first.flatMap { $0 } }
        }
    }

    @discardableResult
    public func save(_ document: DocumentID, merge: @Sendable ([[UInt8]]) throws -> [UInt8]) async throws -> [UInt8] {
        try await withoutActuallyEscaping(merge) { merge in
            // The queue runs the closure before `perform` returns, so it does
            // not outlive this call even though Dispatch needs it escaping.
            let box = MergeBox(merge: merge)
            return try await perform { connection in
                try Self.save(document, merge: box.merge, on: connection)
            }
        }
    }

    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.isClosed = true
                self.connection.close()
                continuation.resume()
            }
        }
    }

    // MARK: - Internals

    /// One merge-save transaction; see `DocumentStore.save`.
    private static func save(
        _ document: DocumentID, merge: ([[UInt8]]) throws -> [UInt8],
        on connection: PostgresConnection
    ) throws -> [UInt8] {
        let id = PostgresParameter.uuid(document.description)
        try connection.execute("BEGIN")
        do {
            // Race-safe creation of the row that is then locked: a concurrent
            // creator makes this insert wait, then do nothing.
            let title: PostgresParameter =
                document.name == document.description
                ? .text(document.description) : .text(document.name)
            try connection.query(
                "INSERT INTO documents (id, title) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", [id, title])
            try connection.query("SELECT id FROM documents WHERE id = $1 FOR UPDATE", [id])

            let rows = try connection.query(
                "SELECT id::text, state FROM yjs_documents WHERE document_id = $1 ORDER BY updated_at, id", [id])
            let rowIDs = rows.compactMap { $0.first.flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) } }
            let states = rows.compactMap { $0.count > 1 ? $0[1] : nil }
            let merged = try merge(states)

            if rowIDs.count == 1, let only = rowIDs.first {
                try connection.query(
                    "UPDATE yjs_documents SET state = $2, updated_at = now() WHERE id = $1",
                    [.uuid(only), .bytes(merged)])
            } else {
                // Delete exactly the rows that were merged: a writer that does not
                // take the lock (another tool) may have added one since.
                if !rowIDs.isEmpty {
                    try connection.query("DELETE FROM yjs_documents WHERE id = ANY($1)", [.uuidArray(rowIDs)])
                }
                try connection.query(
                    "INSERT INTO yjs_documents (document_id, state) VALUES ($1, $2)",
                    [id, .bytes(merged)])
            }
            try connection.query("UPDATE documents SET updated_at = now() WHERE id = $1", [id])
            try connection.execute("COMMIT")
            return merged
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// Runs `operation` on the store's queue with an open connection, retrying
    /// once on a fresh connection when the server dropped the old one.
    func perform<T: Sendable>(_ operation: @escaping (PostgresConnection) throws -> T) async throws -> T {
        let pending = PendingOperation(operation)
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                let result = Result { try pending.run { try self.performOnQueue($0) } }
                continuation.resume(with: result)
            }
        }
    }

    private func performOnQueue<T>(_ operation: (PostgresConnection) throws -> T) throws -> T {
        guard !isClosed else { throw StoreError.closed }
        defer { connection.releaseLargeBuffers() }
        do {
            try connection.ensureOpen()
            do {
                return try operation(connection)
            } catch  where !connection.isHealthy {
                try connection.ensureOpen()
                return try operation(connection)
            }
        } catch let error as PostgresQueryError {
            throw Self.storeError(for: error, connectionLost: !connection.isHealthy)
        }
    }

    private static func storeError(for error: PostgresQueryError, connectionLost: Bool) -> StoreError {
        if connectionLost {
            return .connectionFailed(error.message)
        }
        switch error.sqlState {
        case "42P01", "42703":  // undefined_table, undefined_column
            return .schemaMismatch(error.message)
        default:
            return .queryFailed(statement: error.statement, reason: error.message)
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
    private var operation: ((PostgresConnection) throws -> T)?

    init(_ operation: @escaping (PostgresConnection) throws -> T) {
        self.operation = operation
    }

    /// Runs the operation once and releases it.
    func run(_ body: ((PostgresConnection) throws -> T) throws -> T) throws -> T {
        guard let operation else { throw StoreError.closed }
        self.operation = nil
        return try body(operation)
    }
}
