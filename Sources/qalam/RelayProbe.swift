import Foundation
import RelayServer

#if canImport(Glibc)
    import Glibc
#endif

/// Finds out why a relay cannot be reached, so the status bar can say what to do
/// instead of "reconnecting" forever: nothing listening, no answer at all, or
/// another program on the port (a relay answers `GET /healthz` with its counters).
struct RelayProbe: Sendable {
    /// What is on the other end.
    enum Finding: Equatable, Sendable {
        /// A Qalam relay answered.
        case relay
        /// The host refused the connection: nothing listens there.
        case refused
        /// No answer within the timeout (a firewall, a wrong address).
        case noAnswer
        /// Something answered that is not a relay.
        case otherProgram
        /// The host name does not resolve.
        case unknownHost
    }

    let host: String
    let port: Int
    /// Whether this editor may host the relay itself (the embedded default or a
    /// loopback `--relay-url`): then a refused connection is a takeover under way.
    let mayHost: Bool
    /// The user's relay key, for a relay private to the user: a relay that cannot
    /// prove it holds it (another user's) counts as another program.
    let key: RelayKey?
    var timeout: TimeInterval = 2

    init?(url: URL, mayHost: Bool, key: RelayKey? = nil) {
        guard let host = url.host else { return nil }
        self.host = host
        port = url.port ?? (url.scheme == "https" || url.scheme == "wss" ? 443 : 80)
        self.mayHost = mayHost
        self.key = key
    }

    /// What the status bar should say about `finding`, or nil when there is
    /// nothing to add.
    func hint(for finding: Finding) -> String? {
        switch finding {
        case .relay: return nil
        case .refused: return mayHost ? nil : "nothing listens on \(host):\(port) — check --relay-url"
        case .noAnswer: return "no answer from \(host):\(port) — check --relay-url and the network"
        case .otherProgram:
            return mayHost
                ? "port \(port) is used by another program — free it or pass --relay-url"
                : "\(host):\(port) is not a Qalam relay — check --relay-url"
        case .unknownHost: return "cannot find the host \(host) — check --relay-url"
        }
    }

    /// Connects, asks for `/healthz`, and judges the answer. Runs off the
    /// cooperative pool: it blocks for up to `timeout` twice.
    func check() async -> Finding {
        let finding = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: checkNow())
            }
        }
        // `/healthz` says "a relay"; only the challenge says "this user's relay".
        if finding == .relay, let key, let url = URL(string: "http://\(host):\(port)"),
            !(await EmbeddedRelay.answersAsOurs(url: url, key: key, timeout: .seconds(timeout)))
        {
            return .otherProgram
        }
        return finding
    }

    func checkNow() -> Finding {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return .unknownHost }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return .noAnswer }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        if connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 {
            if errno == ECONNREFUSED { return .refused }
            guard errno == EINPROGRESS, wait(fd, for: Int16(POLLOUT)) else { return .noAnswer }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error == ECONNREFUSED { return .refused }
            if error != 0 { return .noAnswer }
        }
        let request = Array("GET /healthz HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count
        else { return .otherProgram }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while answer.count < 16_384, wait(fd, for: Int16(POLLIN)) {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            answer += buffer[0..<n]
        }
        return Self.judge(answer)
    }

    /// A relay's health answer is a 200 with its socket and channel counts.
    static func judge(_ answer: [UInt8]) -> Finding {
        let text = String(decoding: answer, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 200") || text.hasPrefix("HTTP/1.0 200") else { return .otherProgram }
        return text.contains("\"sockets\"") && text.contains("\"channels\"") ? .relay : .otherProgram
    }

    private func wait(_ fd: Int32, for events: Int16) -> Bool {
        var descriptor = pollfd(fd: fd, events: events, revents: 0)
        return poll(&descriptor, 1, Int32(timeout * 1000)) == 1
    }
}
