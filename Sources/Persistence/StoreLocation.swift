import DocumentStorage
import Foundation
import PostgresStore
import SQLiteStore

/// Which database the command line uses: `--database-url`, else
/// `DATABASE_URL`, else the embedded SQLite file.
public enum StoreLocation: Equatable, Sendable, CustomStringConvertible {
    /// A libpq connection string or `postgres://` / `postgresql://` URL.
    case postgres(String)
    /// An SQLite file.
    case sqlite(path: String)

    /// Chooses the store.
    ///
    /// Accepted forms: `postgres://…`, `postgresql://…`, a libpq keyword
    /// string (`host=… dbname=…`), `sqlite:///absolute/path`,
    /// `sqlite:relative/path`, or a path ending in `.sqlite`, `.sqlite3` or `.db`.
    public static func resolve(
        databaseURL: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> StoreLocation {
        let given = databaseURL ?? environment["DATABASE_URL"]
        guard let value = given?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            return .sqlite(path: try SQLiteStore.defaultPath(environment: environment))
        }
        let lowered = value.lowercased()
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            return .postgres(value)
        }
        if lowered.hasPrefix("sqlite:") {
            var path = String(value.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else { throw StoreLocationError.unrecognised(value) }
            return .sqlite(path: path)
        }
        if value.contains("=") {
            return .postgres(value)
        }
        if [".sqlite", ".sqlite3", ".db"].contains(where: { lowered.hasSuffix($0) }) {
            return .sqlite(path: value)
        }
        throw StoreLocationError.unrecognised(value)
    }

    /// Opens the store. For SQLite the schema is migrated too (the embedded
    /// default needs no set-up); PostgreSQL is migrated by `qalam db migrate`.
    public func open(migrateSQLite: Bool = true) async throws -> DocumentStore {
        switch self {
        case let .postgres(connectionString):
            return PostgresStore(connectionString: connectionString)
        case let .sqlite(path):
            let store = try SQLiteStore(path: path)
            if migrateSQLite { try await store.migrate() }
            return store
        }
    }

    /// Where the data is, without any password.
    public var description: String {
        switch self {
        case let .postgres(connectionString):
            if var components = URLComponents(string: connectionString), components.scheme != nil {
                if components.password != nil { components.password = "***" }
                return "PostgreSQL \(components.string ?? "database")"
            }
            let redacted = connectionString.split(separator: " ").map { part in
                part.lowercased().hasPrefix("password=") ? "password=***" : String(part)
            }
            return "PostgreSQL \(redacted.joined(separator: " "))"
        case let .sqlite(path):
            return "SQLite \(path)"
        }
    }
}

/// A database URL that names no store Qalam knows.
public enum StoreLocationError: Error, CustomStringConvertible, Equatable, Sendable {
    case unrecognised(String)

    /// The value with any URL password replaced, so that an error message that
    /// ends up in a terminal scroll-back or a CI log does not leak it.
    static func redactingPassword(_ value: String) -> String {
        guard let scheme = value.range(of: "://"),
            let at = value[scheme.upperBound...].firstIndex(of: "@"),
            let colon = value[scheme.upperBound..<at].firstIndex(of: ":")
        else { return value }
        return value.replacingCharacters(in: value.index(after: colon)..<at, with: "***")
    }

    public var description: String {
        switch self {
        case let .unrecognised(value):
            return
                "cannot tell which database \"\(Self.redactingPassword(value))\" is: use postgres://…, postgresql://…, a libpq string such as \"host=… dbname=…\", sqlite:///path/to/file, or a path ending in .sqlite3"
        }
    }
}
