import CLibPQ
import DocumentStorage
import Foundation

/// A value bound to a `$n` placeholder of a statement.
enum PostgresParameter {
    /// A `uuid` in its text form.
    case uuid(String)
    /// A `uuid[]` of text-form UUIDs.
    case uuidArray([String])
    /// A `text` value.
    case text(String)
    /// A `bigint` value.
    case integer(Int)
    /// A `bytea` value, sent in binary so no escaping or size blow-up happens.
    case bytes([UInt8])

    /// The parameter's type OID (pg_type.oid), so the server never has to guess.
    var typeOID: Oid {
        switch self {
        case .uuid: return 2950
        case .uuidArray: return 2951
        case .text: return 25
        case .integer: return 20
        case .bytes: return 17
        }
    }

    /// libpq's wire bytes for the value; text formats get a terminating NUL.
    var wireBytes: [UInt8] {
        switch self {
        case let .uuid(value), let .text(value): return Array(value.utf8) + [0]
        case let .integer(value): return Array(String(value).utf8) + [0]
        case let .uuidArray(values): return Array("{\(values.joined(separator: ","))}".utf8) + [0]
        case let .bytes(value): return value
        }
    }

    var isBinary: Bool { if case .bytes = self { return true } else { return false } }
}

/// A failed statement, with the server's SQLSTATE so callers can tell a missing
/// table from a lost connection.
struct PostgresQueryError: Error {
    let statement: String
    let sqlState: String?
    let message: String
}

/// One libpq connection. Not thread-safe: `PostgresStore` confines it to its
/// serial queue, because every libpq call here blocks.
final class PostgresConnection {
    private let conninfo: String
    private var handle: OpaquePointer?
    /// The most bytes one statement sent or received since the connection opened.
    private var largestStatement = 0

    /// Above this, a statement's bytes stay in libpq's buffers afterwards.
    static let largeStatement = 256 << 10

    init(conninfo: String) {
        self.conninfo = conninfo
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Whether the last known state of the connection is usable.
    var isHealthy: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// Opens the connection, or resets it when the server dropped it.
    func ensureOpen() throws {
        if let handle {
            if PQstatus(handle) == CONNECTION_OK { return }
            PQreset(handle)
            if PQstatus(handle) == CONNECTION_OK { return }
            throw StoreError.connectionFailed(Self.message(of: handle))
        }
        let connection = connect()
        guard let connection else { throw StoreError.connectionFailed("out of memory") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let reason = Self.message(of: connection)
            PQfinish(connection)
            throw StoreError.connectionFailed(reason)
        }
        // NOTICEs such as "relation already exists, skipping" would otherwise be
        // printed on stderr, over the editor's screen.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        handle = connection
    }

    /// Closes the connection; the next `ensureOpen` opens a new one.
    func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        largestStatement = 0
    }

    /// Closes the connection when a statement since it opened moved more than
    /// `largeStatement` bytes. libpq grows its input and output buffers to the
    /// largest message and never shrinks them, so after loading or saving a
    /// document the connection would hold the document's size for as long as
    /// the editor runs; a new connection for the next statement costs less.
    func releaseLargeBuffers() {
        if largestStatement > Self.largeStatement { close() }
    }

    /// Connects with the user's connection string or URL expanded by libpq, so
    /// every libpq keyword and PG* environment variable applies.
    private func connect() -> OpaquePointer? {
        var pairs: [(String, String)] = []
        if ProcessInfo.processInfo.environment["PGCONNECT_TIMEOUT"] == nil {
            // Before dbname, so a connect_timeout in the user's string wins.
            pairs.append(("connect_timeout", "10"))
        }
        pairs.append(("dbname", conninfo))
        pairs.append(("fallback_application_name", "qalam"))

        let keywords = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer {
            for pointer in keywords + values { free(pointer) }
        }
        let keywordPointers = keywords.map { UnsafePointer($0) } + [nil]
        let valuePointers = values.map { UnsafePointer($0) } + [nil]
        return PQconnectdbParams(keywordPointers, valuePointers, 1)
    }

    /// Runs SQL that may hold several statements and takes no parameters
    /// (migrations, BEGIN/COMMIT).
    func execute(_ sql: String) throws {
        guard let handle else { throw StoreError.connectionFailed("not connected") }
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, statement: sql)
    }

    /// Runs one parameterised statement through the unnamed prepared statement
    /// (PQexecParams), so transaction-mode poolers such as PgBouncer work.
    /// Results come back in binary: `bytea` columns are raw bytes, `text`
    /// columns are UTF-8.
    ///
    /// - Returns: every row, each column as bytes (nil for SQL NULL).
    @discardableResult
    func query(_ sql: String, _ parameters: [PostgresParameter] = []) throws -> [[[UInt8]?]] {
        guard let handle else { throw StoreError.connectionFailed("not connected") }
        let buffers = parameters.map(\.wireBytes)
        let types = parameters.map(\.typeOID)
        let lengths = buffers.map { Int32($0.count) }
        let formats = parameters.map { Int32($0.isBinary ? 1 : 0) }

        // Copy each value into memory that stays put for the duration of the call.
        let pointers: [UnsafeMutablePointer<CChar>] = buffers.map { bytes in
            let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
            bytes.withUnsafeBufferPointer { source in
                source.withMemoryRebound(to: CChar.self) { chars in
                    if let base = chars.baseAddress { pointer.update(from: base, count: bytes.count) }
                }
            }
            return pointer
        }
        defer { for pointer in pointers { pointer.deallocate() } }
        let values: [UnsafePointer<CChar>?] = pointers.map { UnsafePointer($0) }

        let result = PQexecParams(handle, sql, Int32(parameters.count), types, values, lengths, formats, 1)
        defer { PQclear(result) }
        try check(result, statement: sql)
        largestStatement = max(largestStatement, buffers.reduce(0) { $0 + $1.count }, Self.byteCount(of: result))

        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var rows: [[[UInt8]?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var columns: [[UInt8]?] = []
            for column in 0..<columnCount {
                let (r, c) = (Int32(row), Int32(column))
                if PQgetisnull(result, r, c) == 1 {
                    columns.append(nil)
                    continue
                }
                let length = Int(PQgetlength(result, r, c))
                if let value = PQgetvalue(result, r, c) {
                    columns.append(
                        value.withMemoryRebound(to: UInt8.self, capacity: length) {
                            Array(UnsafeBufferPointer(start: $0, count: length))
                        })
                } else {
                    columns.append([])
                }
            }
            rows.append(columns)
        }
        return rows
    }

    /// The bytes of every value in `result`.
    private static func byteCount(of result: OpaquePointer?) -> Int {
        var total = 0
        for row in 0..<PQntuples(result) {
            for column in 0..<PQnfields(result) { total += Int(PQgetlength(result, row, column)) }
        }
        return total
    }

    private func check(_ result: OpaquePointer?, statement: String) throws {
        guard let result else {
            throw PostgresQueryError(
                statement: Self.summary(of: statement), sqlState: nil,
                message: handle.map(Self.message(of:)) ?? "no result")
        }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            var message = PQresultErrorMessage(result).map { String(cString: $0) } ?? ""
            if message.isEmpty, let handle { message = Self.message(of: handle) }
            throw PostgresQueryError(
                statement: Self.summary(of: statement), sqlState: sqlState,
                message: message.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    private static func message(of handle: OpaquePointer) -> String {
        guard let cString = PQerrorMessage(handle) else { return "unknown error" }
        let text = String(cString: cString).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "unknown error" : text
    }

    /// The first line of a statement, for error messages.
    private static func summary(of statement: String) -> String {
        let line =
            statement.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty && !$0.hasPrefix("--") } ?? statement
        return line.count > 80 ? String(line.prefix(77)) + "..." : line
    }
}
