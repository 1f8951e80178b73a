import Foundation
import XCTest

/// A PostgreSQL server of the test's own, on a free loopback port in a
/// temporary directory, that the test may stop (`pg_ctl -m immediate`, as a
/// crash or a pulled cable would) and start again. The shared server
/// (`PostgresTestDatabase`) is never stopped: other tests use it.
public final class ScratchPostgres: @unchecked Sendable {
    public let port: Int
    private let binaries: URL
    private let directory: URL
    private let runAs: [String]

    /// `postgresql://postgres@127.0.0.1:<port>/postgres`, with a short connect timeout.
    public var url: String { "postgresql://postgres@127.0.0.1:\(port)/postgres?connect_timeout=3" }

    /// Creates the cluster and starts the server; skips (locally) or fails
    /// (under CI) when PostgreSQL is not installed.
    public init(file: StaticString = #filePath, line: UInt = #line) throws {
        let installed = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard
            let version = installed.sorted(by: { $0.compare($1, options: .numeric) == .orderedAscending }).last,
            FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\(version)/bin/initdb")
        else {
            throw Prerequisite.missing(
                "PostgreSQL is not installed (scripts/install-deps.sh --test)", file: file, line: line)
        }
        binaries = URL(fileURLWithPath: "/usr/lib/postgresql/\(version)/bin")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("qalam-scratch-pg-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try Self.freePort()
        // initdb refuses to run as root: run the server as the postgres user then.
        if getuid() == 0 {
            runAs = ["/usr/sbin/runuser", "-u", "postgres", "--"]
            try Self.run(["/bin/chown", "postgres", directory.path])
        } else {
            runAs = []
        }
        try run("initdb", ["-D", dataPath, "-U", "postgres", "-A", "trust", "--no-sync"])
        try start()
    }

    deinit {
        _ = try? run("pg_ctl", ["-D", dataPath, "-m", "immediate", "stop"])
        try? FileManager.default.removeItem(at: directory)
    }

    private var dataPath: String { directory.appendingPathComponent("data").path }

    /// Starts the server and waits until it accepts connections.
    public func start() throws {
        try run(
            "pg_ctl",
            [
                "-D", dataPath, "-l", directory.appendingPathComponent("server.log").path, "-w", "-o",
                "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off", "start"
            ])
    }

    /// Stops the server at once, as a crash would: no clean shutdown, every
    /// connection cut.
    public func stopImmediately() throws {
        try run("pg_ctl", ["-D", dataPath, "-m", "immediate", "-w", "stop"])
    }

    @discardableResult
    private func run(_ tool: String, _ arguments: [String]) throws -> String {
        try Self.run(runAs + [binaries.appendingPathComponent(tool).path] + arguments)
    }

    /// Runs `command` to completion with posix_spawn and waitpid (Foundation's
    /// `Process` can miss the exit of a child whose own child, the server, lives
    /// on). Output goes to a file, not a pipe: the server inherits the
    /// descriptors, so a pipe would never reach its end.
    @discardableResult
    private static func run(_ command: [String]) throws -> String {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("qalam-scratch-pg-\(UUID()).out")
        defer { try? FileManager.default.removeItem(at: log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let arguments = command.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, arguments, environ)
        guard spawned == 0 else {
            throw ScratchPostgresError.failed(
                command: command.joined(separator: " "), output: String(cString: strerror(spawned)))
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        // WIFEXITED and WEXITSTATUS by hand: the macros are not imported.
        guard status & 0x7F == 0, (status >> 8) & 0xFF == 0 else {
            throw ScratchPostgresError.failed(command: command.joined(separator: " "), output: text)
        }
        return text
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ScratchPostgresError.failed(command: "socket", output: "") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw ScratchPostgresError.failed(command: "bind", output: "") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A PostgreSQL tool failed; `output` is what it printed.
public enum ScratchPostgresError: Error, CustomStringConvertible {
    case failed(command: String, output: String)

    public var description: String {
        switch self {
        case let .failed(command, output): return "\(command) failed: \(output)"
        }
    }
}
