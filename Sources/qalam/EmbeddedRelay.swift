import Foundation
import Logging
import Realtime
import RelayServer

#if canImport(Glibc)
    import Glibc
#endif

/// The embedded default: editors on one machine meet through a relay on
/// `127.0.0.1:4000` that one of them hosts in-process.
///
/// The first editor finds nothing listening and starts the relay; the next ones
/// connect to it. When the hosting editor quits, the others' connections drop;
/// each of them then checks the port after a short random delay, and the first to
/// bind it hosts the relay from then on (binding is the arbiter: only one process
/// can). Every editor's client reconnects on its own and its provider resyncs, so
/// nothing typed meanwhile is lost.
///
/// The relay is private to its user (`RelayKey`, a 0600 file): it proves it holds
/// the key before an editor sends anything (`serverChallenge`), and editors join
/// with short-lived tokens minted from it. A program that took the port first,
/// or another user's relay, gets no token and no document, and is reported as
/// `EmbeddedRelayError.portUsedByAnotherProgram`.
actor EmbeddedRelay {
    nonisolated let host: String
    nonisolated let port: Int
    nonisolated let key: RelayKey
    private var relay: Relay?
    private var watcher: Task<Void, Never>?
    private var stopped = false

    init(key: RelayKey, host: String = "127.0.0.1", port: Int = 4000) {
        self.key = key
        self.host = host
        self.port = port
    }

    /// The relay's base URL.
    nonisolated var url: URL { URL(string: "http://\(host):\(port)")! }

    /// The client options that make an editor check the relay and join it:
    /// the challenge, and a fresh token from the key for every (re)join.
    nonisolated func clientOptions(_ base: RealtimeOptions) -> RealtimeOptions {
        var options = base
        let key = self.key
        options.serverChallenge = ServerChallenge { challenge, proof, address in
            key.verify(proof: proof, for: challenge, at: address)
        }
        options.accessToken = { key.token(lifetime: 600) }
        return options
    }

    /// Starts a relay here unless one already answers on the port.
    /// - Returns: whether this process hosts it.
    /// - Throws: `EmbeddedRelayError.portUsedByAnotherProgram` when something that
    ///   is not this user's relay has the port.
    @discardableResult
    func ensureRunning() async throws -> Bool {
        guard !stopped else { return false }
        if relay != nil { return true }
        if Self.isListening(host: host, port: port) {
            guard await Self.answersAsOurs(url: url, key: key) else {
                throw EmbeddedRelayError.portUsedByAnotherProgram(host: host, port: port)
            }
            return false
        }
        do {
            // The relay logs to stderr: in headless mode stdout carries only JSON lines.
            let logger = Logger(label: "qalam.relay") { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = .warning
                return handler
            }
            let candidate = try Relay(
                configuration: .privateToUser(key, host: host, port: port), logger: logger)
            _ = try await candidate.start()
            relay = candidate
            return true
        } catch {
            // Someone else bound the port first: they host, we connect (and check them).
            return false
        }
    }

    /// Takes over the relay whenever `client`'s connection drops and nobody
    /// answers on the port any more, then has the client reconnect at once
    /// instead of waiting out its back-off (which grows to 10 s).
    ///
    /// Every drop is looked at once, after a short random delay that spreads the
    /// editors out so that one binds while the others find it listening. An old
    /// host still draining its clients, or another program on the port, fails the
    /// client's challenge; the client then retries on its own back-off and the
    /// next drop is looked at again.
    func watch(_ client: RealtimeClient) async {
        let states = await client.connectionStates()
        watcher = Task { [weak self] in
            for await state in states {
                guard case .closed(reconnectIn: _?) = state else { continue }
                try? await Task.sleep(for: .milliseconds(Int.random(in: 50...300)))
                guard let self, !Task.isCancelled else { return }
                // Hosting now, or this user's relay answers: no need to wait out the back-off.
                if (try? await self.ensureRunning()) != nil {
                    await client.reconnectNow()
                }
            }
        }
    }

    /// Stops hosting (connected clients are closed and reconnect elsewhere).
    func shutdown() async {
        stopped = true
        watcher?.cancel()
        if let relay {
            await relay.shutdown()
            self.relay = nil
        }
    }

    /// Whether the relay at `url` proves it holds `key` (a socket, the challenge,
    /// nothing else: no token leaves before the proof).
    static func answersAsOurs(url: URL, key: RelayKey, timeout: Duration = .seconds(3)) async -> Bool {
        var options = RealtimeOptions(connectTimeout: timeout)
        options.serverChallenge = ServerChallenge { challenge, proof, address in
            key.verify(proof: proof, for: challenge, at: address)
        }
        guard let client = try? RealtimeClient(url: url, apiKey: "qalam-local", options: options) else { return false }
        let states = await client.connectionStates()
        await client.connect()
        var ours = false
        for await state in states {
            if state == .open {
                ours = true
                break
            }
            if case .closed(reconnectIn: _?) = state { break }
        }
        await client.disconnect()
        return ours
    }

    /// Whether something accepts TCP connections on `host:port` (a quick local
    /// connect, so a dead port answers at once with "connection refused").
    nonisolated static func isListening(host: String, port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return false }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }
}

/// Why the embedded relay cannot be used.
enum EmbeddedRelayError: Error, Equatable, CustomStringConvertible {
    /// Something that is not this user's relay listens on the port: a program
    /// that took it, or another user's editor. Nothing is sent to it.
    case portUsedByAnotherProgram(host: String, port: Int)

    var description: String {
        switch self {
        case let .portUsedByAnotherProgram(_, port):
            return "port \(port) is used by another program — free it or pass --relay-url"
        }
    }
}
