import ArgumentParser
import DocumentStorage
import Foundation
import Logging
import Persistence
import RelayServer

/// `qalam serve`: the embedded Supabase-Realtime-compatible relay plus the document
/// REST API, for one machine, tests and demos.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the embedded Realtime relay and the document API.",
        discussion: """
            Serves Supabase Realtime's WebSocket protocol at /realtime/v1/websocket (and /socket/websocket), \
            REST broadcast at /realtime/v1/api/broadcast, GET/PUT /api/documents/{id}/yjs and /healthz. \
            With --jwt-secret every room:<uuid> join and document request is checked against the document's \
            members (qalam share); mint users' tokens with qalam token. Without a secret the relay is private \
            to you: it listens on loopback only, its secret is your relay key \
            ($XDG_STATE_HOME/qalam/relay-key, 0600), and your own editors and tokens minted with that key get \
            in. Web pages are refused unless their origin is allowed with --allow-origin. \
            SIGINT/SIGTERM tell every client the server is restarting (close 1012) and stop.
            """)

    @Option(help: "Interface to listen on. Without a JWT secret only loopback is allowed.")
    var host: String = "127.0.0.1"

    @Option(help: "TCP port (0 picks a free one and prints it).")
    var port: Int = 4000

    @Option(
        name: .customLong("jwt-secret"),
        help: "HS256 secret for apikey/access_token/bearer JWTs (default: $QALAM_JWT_SECRET).")
    var jwtSecret: String?

    @Option(
        name: .customLong("database-url"),
        help:
            "Where documents are stored: postgres://… (default: $DATABASE_URL, else the SQLite file under $XDG_DATA_HOME/qalam/)."
    )
    var databaseURL: String?

    @Option(
        name: .customLong("allow-origin"),
        help: ArgumentHelp(
            "A web origin allowed to call the relay, e.g. https://app.example.com (repeatable); others are refused.",
            valueName: "origin"))
    var allowedOrigins: [String] = []

    @Option(
        name: .customLong("allow-host"),
        help: ArgumentHelp(
            "Another name this loopback relay answers to, e.g. a proxy's (repeatable).", valueName: "name"))
    var allowedHosts: [String] = []

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "notice"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        for origin in allowedOrigins {
            guard let url = URL(string: origin), let scheme = url.scheme, ["http", "https"].contains(scheme),
                url.host != nil, url.path.isEmpty || url.path == "/", url.query == nil
            else {
                throw ValidationError("--allow-origin takes an origin like https://app.example.com, not \(origin)")
            }
        }
    }

    func run() async throws {
        var logger = Logger(label: "qalam.relay")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .notice
        let environment = ProcessInfo.processInfo.environment
        let secret = jwtSecret ?? environment["QALAM_JWT_SECRET"].flatMap { $0.isEmpty ? nil : $0 }

        var configuration: RelayConfiguration
        let authNote: String
        if let secret {
            do {
                try RelayToken.checkSecret(secret)
            } catch {
                throw SetupError.setting("\(jwtSecret != nil ? "--jwt-secret" : "QALAM_JWT_SECRET"): \(error)")
            }
            configuration = RelayConfiguration(host: host, port: port, jwtSecret: secret)
            authNote = "JWT auth and document membership on"
        } else {
            try UserFolders.prepareStateFolders(environment: environment)
            let keyURL = try RelayKey.defaultURL(environment: environment)
            configuration = .privateToUser(try RelayKey.loadOrCreate(at: keyURL), host: host, port: port)
            authNote = "private to this user: loopback only, key in \(keyURL.path)"
        }
        configuration.allowedOrigins = allowedOrigins
        configuration.allowedHosts = allowedHosts
        configuration.shutdownGracePeriod = .seconds(2)
        // Refuse a bad bind before anything is opened.
        _ = try Relay(configuration: configuration, logger: logger)

        let (store, location) = try await Self.openStore(databaseURL: databaseURL, environment: environment)
        configuration.store = store
        configuration.membership = store as? any MembershipStore
        let relay = try Relay(configuration: configuration, logger: logger)
        let host = self.host
        do {
            try await relay.run(handleSignals: true) { port in
                // One line on stdout that scripts and tests wait for.
                print(
                    "qalam relay listening on ws://\(host):\(port)/realtime/v1/websocket (\(authNote)); documents in \(location)"
                )
                fflush(stdout)
            }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    /// The document store `serve` uses: PostgreSQL with `--database-url`/`DATABASE_URL`,
    /// else the SQLite default file (created and migrated on first use).
    static func openStore(databaseURL: String?, environment: [String: String]) async throws -> (
        any DocumentStore, StoreLocation
    ) {
        let location = try DatabaseOptions.location(databaseURL: databaseURL, environment: environment)
        return (try await location.open(migrateSQLite: true), location)
    }
}
