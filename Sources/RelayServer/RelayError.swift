/// Why a relay could not start or run.
public enum RelayError: Error, CustomStringConvertible, Sendable {
    /// Binding a non-loopback interface without a JWT secret would let anyone in.
    case insecureBind(host: String)
    /// The server stopped before it was listening (port in use, bad address…).
    case notStarted(String)
    /// `start()` was called on a relay that is already running.
    case alreadyRunning
    /// The JWT secret is empty or shorter than `RelayToken.minimumSecretLength`
    /// characters (not counting surrounding blanks): anyone could sign tokens with
    /// an empty key, and guess a short one from a single token.
    case weakSecret(length: Int)

    public var description: String {
        switch self {
        case let .insecureBind(host):
            return
                "refusing to listen on \(host) without a JWT secret: a relay private to its user serves loopback only. Pass --jwt-secret (or set QALAM_JWT_SECRET), or bind 127.0.0.1."
        case let .notStarted(reason):
            return "the relay could not start: \(reason)"
        case .alreadyRunning:
            return "the relay is already running"
        case let .weakSecret(length):
            let what = length == 0 ? "is empty" : "has only \(length) characters"
            return
                "the JWT secret \(what); it needs at least \(RelayToken.minimumSecretLength) characters, like Supabase's (make one with: openssl rand -base64 32)"
        }
    }
}
