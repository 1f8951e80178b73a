import CSQLite
import DocumentStorage
import Foundation

/// A value bound to a `?` placeholder.
enum SQLiteValue {
    case text(String)
    case blob([UInt8])
}

/// One SQLite connection. Not thread-safe: `SQLiteStore` confines it to its
/// serial queue.
final class SQLiteConnection {
    private let handle: OpaquePointer

    /// SQLite's SQLITE_TRANSIENT: copy bound values before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Opens (creating if needed) the database file, in WAL mode, waiting up
    /// to `busyTimeout` for other processes' locks.
    init(path: String, busyTimeout: Duration) throws {
        var connection: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &connection, flags, nil)
        guard status == SQLITE_OK, let connection else {
            let reason =
                connection.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_close_v2(connection)
            throw StoreError.connectionFailed("cannot open SQLite database \(path): \(reason)")
        }
        handle = connection
        let milliseconds =
            busyTimeout.components.seconds * 1000 + busyTimeout.components.attoseconds / 1_000_000_000_000_000
        sqlite3_busy_timeout(handle, Int32(clamping: milliseconds))
        do {
            // WAL lets readers run beside the single writer; FULL sync makes a
            // committed save survive power loss, not only a crash.
            try execute("PRAGMA journal_mode = WAL")
            try execute("PRAGMA synchronous = FULL")
            try execute("PRAGMA foreign_keys = ON")
        } catch {
            sqlite3_close_v2(handle)
            throw error
        }
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs SQL that may hold several statements and takes no parameters.
    /// Frees the pages SQLite cached for this connection. A document is read
    /// whole at open and written whole at a save; kept, its pages would cost
    /// the editor up to the cache's size (2 MB) for the rest of the session.
    func releaseCache() {
        sqlite3_db_release_memory(handle)
    }

    /// The bytes this connection's page cache holds now (for checks).
    var cacheBytes: Int {
        var current: Int32 = 0
        var highest: Int32 = 0
        sqlite3_db_status(handle, SQLITE_DBSTATUS_CACHE_USED, &current, &highest, 0)
        return Int(current)
    }

    func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        defer { sqlite3_free(errorMessage) }
        guard status == SQLITE_OK else {
            let reason = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            throw SQLiteQueryError(statement: Self.summary(of: sql), code: status, message: reason)
        }
    }

    /// Runs one statement with bound values.
    ///
    /// - Returns: every row, each column as bytes (nil for NULL).
    @discardableResult
    func query(_ sql: String, _ values: [SQLiteValue] = []) throws -> [[[UInt8]?]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw error(for: sql, code: sqlite3_errcode(handle))
        }
        defer { sqlite3_finalize(statement) }

        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch value {
            case let .text(text):
                status = sqlite3_bind_text(statement, index, text, -1, Self.transient)
            case let .blob(bytes):
                status = bytes.withUnsafeBytes { buffer in
                    // A zero-length blob still needs a non-null pointer to be a blob, not NULL.
                    sqlite3_bind_blob(
                        statement, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                        Int32(buffer.count), Self.transient)
                }
            }
            guard status == SQLITE_OK else { throw error(for: sql, code: status) }
        }

        var rows: [[[UInt8]?]] = []
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw error(for: sql, code: status) }
            var row: [[UInt8]?] = []
            for column in 0..<sqlite3_column_count(statement) {
                if sqlite3_column_type(statement, column) == SQLITE_NULL {
                    row.append(nil)
                    continue
                }
                // Ask for the pointer first, then the size, as SQLite documents.
                let pointer = sqlite3_column_blob(statement, column)
                let length = Int(sqlite3_column_bytes(statement, column))
                if let pointer, length > 0 {
                    row.append(Array(UnsafeRawBufferPointer(start: pointer, count: length)))
                } else {
                    row.append([])
                }
            }
            rows.append(row)
        }
        return rows
    }

    private func error(for sql: String, code: Int32) -> SQLiteQueryError {
        SQLiteQueryError(statement: Self.summary(of: sql), code: code, message: String(cString: sqlite3_errmsg(handle)))
    }

    private static func summary(of statement: String) -> String {
        let line =
            statement.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty && !$0.hasPrefix("--") } ?? statement
        return line.count > 80 ? String(line.prefix(77)) + "..." : line
    }
}

/// A failed SQLite statement with its result code.
struct SQLiteQueryError: Error {
    let statement: String
    let code: Int32
    let message: String

    var storeError: StoreError {
        if message.hasPrefix("no such table") || message.hasPrefix("no such column") {
            return .schemaMismatch(message)
        }
        if code & 0xFF == SQLITE_BUSY || code & 0xFF == SQLITE_LOCKED {
            return .queryFailed(
                statement: statement,
                reason: "\(message) (another process held the database longer than the busy timeout)")
        }
        return .queryFailed(statement: statement, reason: message)
    }
}
