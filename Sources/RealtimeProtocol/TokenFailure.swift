/// Why a JWT was refused; `message` is the exact Supabase text (handshake `error`,
/// `system` message, and, with a code prefix, join reason).
public enum TokenFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// No API key at all.
    case missing
    /// `exp` is in the past by this many seconds.
    case expired(secondsAgo: Int)
    /// `role` or `exp` is absent.
    case missingClaims
    /// `exp` is not a number.
    case invalidExpiration
    /// Not three base64url parts of JSON.
    case malformed
    /// Signature does not verify with the configured secret.
    case badSignature
    /// `nbf` is this many seconds in the future: the token may not be used yet
    /// (RFC 7519 §4.1.5; Supabase's own tokens carry no `nbf`).
    case notYetValid(secondsAhead: Int)

    public var description: String { message }

    /// Supabase's exact text for this failure.
    public var message: String {
        switch self {
        case .missing: return "API key is missing"
        case let .expired(n): return "Token has expired \(n) seconds ago"
        case .missingClaims: return "Fields `role` and `exp` are required in JWT"
        case .invalidExpiration: return "Token expiration time is invalid"
        case .malformed: return "The token provided is not a valid JWT"
        case .badSignature: return "Failed to validate JWT signature"
        case let .notYetValid(n): return "Token is not valid for another \(n) seconds"
        }
    }
}
