import ArgumentParser
import Collab
import DocumentStorage
import EditorCore
import Foundation
import Persistence
import PostgresStore
import Realtime
import RealtimeProtocol
import RelayServer
import SQLiteStore
import TUI
import TextLayout
import YCRDT

/// `qalam edit NAME`: open a document and edit it with everyone else who has it open.
///
/// Where the others are:
/// - `--relay-url URL`: that relay (a loopback URL with nothing listening gets a
///   relay started in this process, as the default does);
/// - `SUPABASE_URL` + `SUPABASE_ANON_KEY`: that Supabase project's Realtime;
/// - otherwise the embedded default, a relay on 127.0.0.1:4000 hosted by whichever
///   editor started first (and taken over by another when it quits), private to
///   this user (`RelayKey`).
///
/// As whom: `QALAM_ACCESS_TOKEN`, a user's JWT for a shared relay or Supabase
/// project; the channel is then joined with `private: true` and that token, and a
/// viewer's editor opens the document read-only.
///
/// Where it is saved: `--database-url` / `DATABASE_URL` (PostgreSQL), otherwise the
/// SQLite file under `$XDG_DATA_HOME/qalam/`.
struct EditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Edit a document together with everyone who has it open.",
        discussion: """
            With no configuration, editors on this machine meet through a relay on \
            127.0.0.1:4000 (started by the first editor) and save to SQLite under \
            $XDG_DATA_HOME/qalam/. Set SUPABASE_URL and SUPABASE_ANON_KEY to use a Supabase \
            project, and DATABASE_URL to save to PostgreSQL. Set QALAM_ACCESS_TOKEN to your token (from \
            `qalam token` or your Supabase session) to join a shared relay or project as yourself.

            In the editor F1 lists the keys and Ctrl-Q quits. Arabic is reordered and shaped \
            by Qalam (--bidi app); on a terminal that does bidi itself and cannot be told not \
            to (Konsole, mlterm), turn that off in its settings or use --bidi terminal.

            --headless reads JSON commands on stdin and writes JSON events on stdout, one \
            per line: {"cmd":"insert","index":0,"text":"…"}, delete, cursor, select, type, \
            key, paste, state, get, wait_synced, wait_text, save, status, stats, offline, \
            online, quit. \
            QALAM_AUTOSAVE_SECONDS shortens the autosave delay (default 10 s).
            """)

    @Argument(help: "The document: a name (the same name meets the same document) or a UUID.")
    var document: String

    @Flag(help: "No screen: JSON-lines commands on stdin, events on stdout.")
    var headless = false

    @Option(
        help:
            "Who reorders and shapes Arabic: app (Qalam; for xterm, kitty, tmux, and VTE, which it switches to explicit mode), terminal (a terminal that does bidi itself, e.g. Konsole, mlterm), off."
    )
    var bidi: BidiMode = .app

    @Option(
        help: "Paragraph direction: auto (from the first strong letter), ltr or rtl. Ctrl-D cycles it while editing.")
    var direction: BaseDirection = .auto

    @Option(
        name: .customLong("lam-alef"),
        help: "separate (two joined letters, two cells) or ligature (one glyph and a blank cell).")
    var lamAlef: LamAlefMode = .separate

    @Flag(help: "Start with the presence panel hidden (Ctrl-P shows it).")
    var noPresence = false

    @Flag(help: "Open the document to read only: editing keys are refused and nothing is sent.")
    var readOnly = false

    @Option(help: "The Realtime relay to use, e.g. http://127.0.0.1:4000.")
    var relayURL: String?

    @Option(name: [.customLong("name"), .customLong("user")], help: "Your name as others see it (default: $USER).")
    var userName: String?

    @Option(help: "Your color as others see it, #rrggbb (default: one derived from your name).")
    var color: String?

    @Option(help: "PostgreSQL connection URL (default: $DATABASE_URL; without it, SQLite).")
    var databaseURL: String?

    func run() async throws {
        // Before the open: its document-sized buffers go back to the system when freed.
        FreedMemory.returnLargeBuffersAtOnce()
        let environment = ProcessInfo.processInfo.environment
        let setup: EditSetup
        do {
            setup = try EditSetup(command: self, environment: environment)
        } catch let error as SetupError {
            // One line that says what to change; the usage would bury it.
            FileHandle.standardError.write(Data("qalam: \(error)\n".utf8))
            throw ExitCode(error.exitCode)
        }
        guard headless else {
            var options = EditorOptions(
                bidiMode: bidi, baseDirection: direction, lamAlef: lamAlef,
                showPresence: !noPresence, readOnly: readOnly ? Self.readOnlyReason : nil)
            options.startupNotice = Self.bidiTerminalWarning(mode: bidi, environment: environment)
            let code = await setup.runScreen(options, documentName: document)
            if code != 0 { throw ExitCode(code) }
            return
        }
        let code = await setup.runHeadless(readOnly: readOnly ? Self.readOnlyReason : nil)
        if code != 0 { throw ExitCode(code) }
    }
}

extension EditCommand {
    /// What a refused key says with `--read-only`.
    static let readOnlyReason = "opened with --read-only"

    /// Terminals that reorder bidi text on their own with no escape sequence to stop
    /// them would reorder Qalam's already visual lines a second time.
    static func bidiTerminalWarning(mode: BidiMode, environment: [String: String]) -> String? {
        guard mode == .app else { return nil }
        let name: String?
        if environment["KONSOLE_VERSION"] != nil {
            name = "Konsole"
        } else if environment["MLTERM"] != nil {
            name = "mlterm"
        } else if environment["TERM_PROGRAM"] == "Apple_Terminal" {
            name = "Terminal.app"
        } else {
            name = nil
        }
        return name.map { "\($0) reorders Arabic itself: turn its bidi option off, or run with --bidi terminal" }
    }
}

extension BidiMode: ExpressibleByArgument {}
extension BaseDirection: ExpressibleByArgument {}
extension LamAlefMode: ExpressibleByArgument {}

/// Everything `qalam edit` decides before it opens the document.
struct EditSetup {
    enum Network {
        /// A relay at `url`; `embedded` when it is this user's own, which this
        /// process may host. `accessToken`: the user's token for a shared relay.
        case relay(url: URL, embedded: EmbeddedRelay?, accessToken: String?)
        case supabase(url: URL, anonKey: String, accessToken: String?)
    }

    let document: DocumentID
    let identity: CollabIdentity
    let network: Network
    /// Where the document is saved: the embedded SQLite file unless `--database-url`
    /// or `DATABASE_URL` names a PostgreSQL database or another SQLite file.
    let store: StoreLocation
    let journalDirectory: URL
    /// `QALAM_AUTOSAVE_SECONDS`: the longest a change waits for its save (default 10 s).
    let persistence: YjsPersistence.Options

    /// Checks the flags and the environment and prepares the folders (the relay
    /// key is read from the state folder here).
    /// - Throws: `SetupError`, to be printed as one line.
    init(command: EditCommand, environment: [String: String]) throws {
        if let color = command.color, UserColor.normalized(color) == nil {
            throw SetupError.setting("--color must be a color like #1e90ff, not \(color)")
        }
        if command.document.trimmingCharacters(in: .whitespaces).isEmpty {
            throw SetupError.setting("name the document to edit, e.g. qalam edit notes")
        }
        document = DocumentID(name: command.document)
        identity = CollabIdentity.local(name: command.userName, color: command.color)
        let databaseURL = try Self.checkedDatabaseURL(
            command.databaseURL, environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 })
        journalDirectory = try Journal.defaultDirectory(environment: environment)
        try UserFolders.prepareStateFolders(environment: environment)
        if let databaseURL {
            store = databaseURL
        } else {
            try UserFolders.prepareDataFolder(environment: environment)
            store = .sqlite(path: try SQLiteStore.defaultPath(environment: environment))
        }
        var persistence = YjsPersistence.Options()
        if let text = environment["QALAM_AUTOSAVE_SECONDS"] {
            guard let seconds = Double(text), seconds > 0, seconds <= 3600 else {
                throw SetupError.setting(
                    "QALAM_AUTOSAVE_SECONDS must be a number of seconds between 0 and 3600, not \(text)")
            }
            persistence.saveDelay = .milliseconds(Int(seconds * 1000))
        }
        self.persistence = persistence
        let accessToken = environment["QALAM_ACCESS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let relay = command.relayURL {
            guard let url = URL(string: relay), let host = url.host, url.scheme != nil else {
                throw SetupError.setting("--relay-url must be a URL like http://127.0.0.1:4000, not \(relay)")
            }
            let loopback = host == "127.0.0.1" || host == "localhost"
            if let accessToken {
                // Someone's shared relay, joined as the token's user: never hosted here.
                network = .relay(url: url, embedded: nil, accessToken: accessToken)
            } else if loopback {
                let key = try RelayKey.load(environment: environment)
                let embedded = EmbeddedRelay(key: key, host: "127.0.0.1", port: url.port ?? 80)
                // Dial the address the relay's proof names, not a name that may also
                // reach another program on ::1 (see `RelayKey.proof(for:at:)`).
                network = .relay(url: embedded.url, embedded: embedded, accessToken: nil)
            } else {
                network = .relay(url: url, embedded: nil, accessToken: nil)
            }
        } else if let supabase = environment["SUPABASE_URL"], !supabase.isEmpty,
            let key = environment["SUPABASE_ANON_KEY"], !key.isEmpty
        {
            guard let url = URL(string: supabase), url.host != nil else {
                throw SetupError.setting("SUPABASE_URL must be your project URL, like https://xyz.supabase.co")
            }
            network = .supabase(url: url, anonKey: key, accessToken: accessToken)
        } else if accessToken != nil {
            throw SetupError.setting(
                "QALAM_ACCESS_TOKEN is set, so Qalam would join a shared relay as its user: pass --relay-url (or set SUPABASE_URL and SUPABASE_ANON_KEY), or unset it to edit on this machine"
            )
        } else {
            let key = try RelayKey.load(environment: environment)
            network = .relay(
                url: URL(string: "http://127.0.0.1:4000")!, embedded: EmbeddedRelay(key: key), accessToken: nil)
        }
    }

    /// The store a database setting names, read as the other commands read it
    /// (`StoreLocation`): an SQLite file (`sqlite:///path`, or a path ending in
    /// `.sqlite`, `.sqlite3` or `.db`), or a PostgreSQL connection string as libpq
    /// takes it, a `postgres://` or `postgresql://` URL or `key=value` settings.
    /// Anything else would reach libpq as a database name and fail as a puzzling
    /// Unix-socket connection error, so it is refused here with what to write.
    static func checkedDatabaseURL(_ option: String?, _ environment: String?) throws -> StoreLocation? {
        guard let value = option ?? environment else { return nil }
        let source = option != nil ? "--database-url" : "DATABASE_URL"
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        let lowered = trimmed.lowercased()
        if lowered.hasPrefix("sqlite:") || [".sqlite", ".sqlite3", ".db"].contains(where: { lowered.hasSuffix($0) }) {
            do {
                return try StoreLocation.resolve(databaseURL: trimmed, environment: [:])
            } catch {
                throw SetupError.setting("\(source): \(error)")
            }
        }
        if let scheme = trimmed.range(of: "://").map({ trimmed[..<$0.lowerBound].lowercased() }) {
            guard scheme == "postgres" || scheme == "postgresql" else {
                throw SetupError.setting(
                    "\(source) must be a PostgreSQL URL (postgresql://user:password@host:5432/database), "
                        + "not a \(scheme):// URL")
            }
            guard URL(string: trimmed)?.host != nil || trimmed.contains("@/") || trimmed.hasSuffix(":///") else {
                throw SetupError.setting("\(source) is not a valid URL: \(value)")
            }
            return .postgres(trimmed)
        }
        guard trimmed.contains("=") else {
            throw SetupError.setting(
                "\(source) must be a PostgreSQL URL like postgresql://user:password@host:5432/database "
                    + "or libpq settings like \"host=localhost dbname=qalam\", not \"\(value)\"; "
                    + "or an SQLite file like sqlite:///home/me/notes.sqlite3; unset it to save to the default SQLite file"
            )
        }
        return .postgres(trimmed)
    }

    /// How to tell why the relay cannot be reached (none for Supabase).
    var relayProbe: RelayProbe? {
        guard case let .relay(url, embedded, _) = network else { return nil }
        return RelayProbe(url: url, mayHost: embedded != nil, key: embedded?.key)
    }

    /// The store the document is saved to, migrated. A database that cannot be
    /// reached does not stop the writer: the document opens from this machine's
    /// copy and is saved once the database is back.
    func openStore() async throws -> any DocumentStore {
        let store: any DocumentStore
        switch self.store {
        case let .postgres(connectionString):
            store = PostgresStore(connectionString: connectionString)
        case let .sqlite(path):
            store = try SQLiteStore(path: path)
        }
        do {
            try await store.migrate()
        } catch StoreError.connectionFailed {}
        return store
    }

    func sessionConfiguration() -> SessionConfiguration {
        switch network {
        case let .relay(url, embedded, accessToken):
            var options = RealtimeOptions()
            var provider = ProviderConfiguration()
            if let embedded {
                // A local relay that moves between editors comes back within a
                // second or two: retry soon rather than after realtime-js's 1-2-5-10 s.
                options.reconnectBackoff = Backoff(
                    [.milliseconds(300), .milliseconds(700), .seconds(1), .seconds(2)],
                    then: .seconds(3))
                options.rejoinBackoff = Backoff([.milliseconds(300), .seconds(1), .seconds(2)], then: .seconds(5))
                // The relay proves it holds the user's key before anything is sent;
                // the socket then joins with tokens minted from the key.
                options = embedded.clientOptions(options)
            }
            if let accessToken {
                options.accessToken = { accessToken }
                provider.privateChannel = true
            }
            // The apikey travels in the socket URL, before any proof: never a credential
            // for the embedded relay, the user's token for a shared one.
            return SessionConfiguration(
                document: document, identity: identity, realtimeURL: url, apiKey: accessToken ?? "qalam-local",
                realtimeOptions: options, provider: provider, persistence: persistence,
                journalDirectory: journalDirectory)
        case let .supabase(url, key, accessToken):
            var options = RealtimeOptions()
            var provider = ProviderConfiguration()
            if let accessToken {
                options.accessToken = { accessToken }
                provider.privateChannel = true
            }
            return SessionConfiguration(
                document: document, identity: identity, realtimeURL: url, apiKey: key,
                realtimeOptions: options, provider: provider, persistence: persistence,
                journalDirectory: journalDirectory)
        }
    }

    /// Runs the full-screen editor until Ctrl-Q, SIGTERM, SIGHUP or SIGINT, then
    /// flushes and leaves the session.
    /// - Returns: the process exit code.
    /// A document opened for editing, and what must be shut down with it.
    struct OpenDocument {
        let doc: Doc
        let session: EditingSession
        let store: any DocumentStore
        let embeddedRelay: EmbeddedRelay?
        /// Whether this process hosts the embedded relay.
        let hostingRelay: Bool
        /// Why the embedded relay could not be reached at start-up (a foreign
        /// program on its port), for the status line.
        let relayProblem: EmbeddedRelayError?

        /// Closes the store and stops hosting the relay (the session is closed
        /// by whoever ran it: its final save must come first).
        func release() async {
            await store.close()
            await embeddedRelay?.shutdown()
        }
    }

    /// Starts (or joins) the embedded relay when there is one, opens the store
    /// and the editing session, and has the relay watched for takeover. On
    /// failure whatever was already started is shut down again.
    func openDocument() async throws -> OpenDocument {
        var embeddedRelay: EmbeddedRelay?
        var hosting = false
        var relayProblem: EmbeddedRelayError?
        if case let .relay(_, embedded?, _) = network {
            embeddedRelay = embedded
            do {
                hosting = try await embedded.ensureRunning()
            } catch let error as EmbeddedRelayError {
                // Editing goes on offline (saved, journaled); the client keeps checking
                // the port and joins once this user's relay answers there.
                relayProblem = error
            }
        }
        let store: any DocumentStore
        do {
            store = try await openStore()
        } catch {
            await embeddedRelay?.shutdown()
            throw error
        }
        let doc = Doc()
        let session: EditingSession
        do {
            session = try await EditingSession.open(sessionConfiguration(), store: store, editorClientID: doc.clientID)
        } catch {
            await store.close()
            await embeddedRelay?.shutdown()
            throw error
        }
        if let embeddedRelay {
            await embeddedRelay.watch(session.provider.client)
        }
        return OpenDocument(
            doc: doc, session: session, store: store, embeddedRelay: embeddedRelay, hostingRelay: hosting,
            relayProblem: relayProblem)
    }

    func runScreen(_ options: EditorOptions, documentName: String) async -> Int32 {
        func fail(_ message: String) -> Int32 {
            FileHandle.standardError.write(Data("qalam: \(message)\n".utf8))
            return 1
        }
        let open: OpenDocument
        do {
            try TerminalError.checkStandardStreams()
            open = try await openDocument()
        } catch {
            return fail(SetupError.oneLine(error))
        }
        var code: Int32 = 0
        var options = options
        if let problem = open.relayProblem {
            options.startupNotice = problem.description
        }
        do {
            let backend = try CollabBackend(
                doc: open.doc, session: open.session, documentName: documentName, relayCheck: relayProbe)
            // Quits the session (final save) after the screen is restored.
            try await Editor(backend: backend, options: options).runOnUIThread()
        } catch {
            try? await open.session.close()
            code = fail(SetupError.oneLine(error))
        }
        await open.release()
        return code
    }

    /// Runs the headless editor until `quit`, end of input, SIGTERM or SIGHUP.
    /// - Returns: the process exit code.
    func runHeadless(readOnly: String?) async -> Int32 {
        let output = JSONLineWriter()
        func fail(_ message: String) -> Int32 {
            output.write(["event": "error", "message": .string(message), "fatal": true])
            return 1
        }
        let open: OpenDocument
        do {
            open = try await openDocument()
        } catch {
            return fail(SetupError.oneLine(error))
        }
        var relayInfo: [String: JSONValue] = [:]
        if case let .relay(url, _?, _) = network {
            relayInfo["relay"] = .string(url.absoluteString)
            relayInfo["hosting_relay"] = .bool(open.hostingRelay)
        }
        if let problem = open.relayProblem {
            relayInfo["relay_problem"] = .string(problem.description)
        }
        let editor: HeadlessEditor
        do {
            let backend = try CollabBackend(
                doc: open.doc, session: open.session, documentName: document.description, relayCheck: relayProbe)
            editor = HeadlessEditor(backend: backend, output: output, readOnly: readOnly)
        } catch {
            try? await open.session.close()
            await open.release()
            return fail("the stored document does not apply: \(error)")
        }
        // A closed terminal, `kill` or Ctrl-C: save and leave before exiting.
        let signals = TerminationSignals(signals: [SIGTERM, SIGHUP, SIGINT]) { _ in
            await editor.quit(id: nil)
            exit(0)
        }
        // Nobody reads the events any more: the same, instead of a crash on the
        // next line written.
        output.whenClosed {
            Task {
                await editor.quit(id: nil)
                exit(0)
            }
        }
        await editor.run(commands: StandardInputLines.stream(), extra: relayInfo)
        withExtendedLifetime(signals) {}
        await open.release()
        return 0
    }
}
