import ArgumentParser
import Foundation
import Persistence

/// `--database-url`, shared by the commands that touch the document database.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "PostgreSQL URL or libpq string, or sqlite:///path (default: DATABASE_URL, else the SQLite file under $XDG_DATA_HOME/qalam).",
            valueName: "url"))
    var databaseURL: String?

    /// The store to use; for the default SQLite file its folder is created first,
    /// so that a folder that cannot be is reported as such.
    func location(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> StoreLocation {
        try Self.location(databaseURL: databaseURL, environment: environment)
    }

    /// `StoreLocation.resolve` after the data folder is prepared when no database is named.
    static func location(databaseURL: String?, environment: [String: String]) throws -> StoreLocation {
        if (databaseURL ?? environment["DATABASE_URL"] ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            try UserFolders.prepareDataFolder(environment: environment)
        }
        return try StoreLocation.resolve(databaseURL: databaseURL, environment: environment)
    }
}

struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the document database.",
        subcommands: [MigrateCommand.self]
    )
}

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or update the schema (safe to run again).",
        discussion:
            "Applies the migrations Qalam knows that the database lacks, in order, under a lock, so several editors may run it at once."
    )

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let location = try database.location()
        let store = try await location.open(migrateSQLite: false)
        do {
            try await store.migrate()
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        print("The schema of \(location) is up to date.")
    }
}
