/// Why a relay could not start or run.
public enum RelayError: Error, CustomStringConvertible, Sendable {
    /// Binding a non-loopback interface without a JWT secret would let anyone in.
    case insecureBind(host: String)
    /// The server stopped before it was listening (port in use, bad address…).
    case notStarted(String)
    /// `start()` was called on a relay that is already running.
    case alreadyRunning

    public var description: String {
        switch self {
        case let .insecureBind(host):
            return
                "refusing to listen on \(host) without a JWT secret: a relay private to its user serves loopback only. Pass --jwt-secret (or set QALAM_JWT_SECRET), or bind 127.0.0.1."
        case let .notStarted(reason):
            return "the relay could not start: \(reason)"
        case .alreadyRunning:
            return "the relay is already running"
        }
    }
}
