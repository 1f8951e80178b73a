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
actor EmbeddedRelay {
    nonisolated let host: String
    nonisolated let port: Int
    private var relay: Relay?
    private var watcher: Task<Void, Never>?
    private var stopped = false

    init(host: String = "127.0.0.1", port: Int = 4000) {
        self.host = host
        self.port = port
    }

    /// Starts a relay here unless one already answers on the port.
    /// - Returns: whether this process hosts it.
    @discardableResult
    func ensureRunning() async -> Bool {
        guard !stopped else { return false }
        if relay != nil { return true }
        if Self.isListening(host: host, port: port) { return false }
        do {
            // The relay logs to stderr: in headless mode stdout carries only JSON lines.
            let logger = Logger(label: "qalam.relay") { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = .warning
                return handler
            }
            let candidate = try Relay(configuration: RelayConfiguration(host: host, port: port), logger: logger)
            _ = try await candidate.start()
            relay = candidate
            return true
        } catch {
            // Someone else bound the port first: they host, we connect.
            return false
        }
    }

    /// Takes over the relay whenever `client`'s connection drops and nobody
    /// answers on the port any more, then has the client reconnect at once
    /// instead of waiting out its back-off (which grows to 10 s).
    ///
    /// The old host may still be draining its clients for a moment after the
    /// drop, so the port is probed for a while rather than once.
    func watch(_ client: RealtimeClient) async {
        let states = await client.connectionStates()
        watcher = Task { [weak self] in
            for await state in states {
                guard case .closed(reconnectIn: _?) = state else { continue }
                let deadline = ContinuousClock.now + .seconds(15)
                while ContinuousClock.now < deadline, !Task.isCancelled {
                    // Spread the editors out so that one binds while the others see it listening.
                    try? await Task.sleep(for: .milliseconds(Int.random(in: 50...300)))
                    guard let self else { return }
                    let hosting = await self.ensureRunning()
                    // Only a relay is worth skipping the back-off for: another program
                    // holding the port would otherwise be hammered (the status bar
                    // says what it is; see RelayProbe).
                    if hosting || self.relayAnswers() {
                        await client.reconnectNow()
                        break
                    }
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

    /// Whether a relay (not just anything) answers on the port.
    nonisolated func relayAnswers() -> Bool {
        guard let url = URL(string: "http://\(host):\(port)"), let probe = RelayProbe(url: url, mayHost: true) else {
            return false
        }
        return probe.checkNow() == .relay
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
