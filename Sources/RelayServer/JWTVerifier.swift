import Crypto
import Foundation
import RealtimeProtocol

/// Checks Supabase-style JWTs: HS256/384/512 signed with the project secret,
/// `role` a string and `exp` a number, `exp` in the future, `iat` (if present) a
/// number (docs/reference/realtime-protocol.md §7), and `nbf` (if present) a
/// number not in the future (RFC 7519 §4.1.5).
struct JWTVerifier: Sendable {
    let key: SymmetricKey

    init(secret: String) {
        key = SymmetricKey(data: Array(secret.utf8))
    }

    /// The verified claims, or why the token is refused.
    func verify(_ token: String, now: Date = Date()) -> Result<JSONValue, TokenFailure> {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
            let headerBytes = Self.base64URLDecode(parts[0]),
            let claimsBytes = Self.base64URLDecode(parts[1]),
            let signature = Self.base64URLDecode(parts[2]),
            let header = try? JSONValue(parsing: headerBytes, maxDepth: 8),
            let claims = try? JSONValue(parsing: claimsBytes, maxDepth: 16),
            claims.objectValue != nil,
            let alg = header["alg"]?.stringValue
        else { return .failure(.malformed) }

        let signed = Array("\(parts[0]).\(parts[1])".utf8)
        let valid: Bool
        switch alg {
        case "HS256": valid = HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signed, using: key)
        case "HS384": valid = HMAC<SHA384>.isValidAuthenticationCode(signature, authenticating: signed, using: key)
        case "HS512": valid = HMAC<SHA512>.isValidAuthenticationCode(signature, authenticating: signed, using: key)
        default: valid = false
        }
        guard valid else { return .failure(.badSignature) }

        // `"role": null` (or a number) names no role: refused like a missing one, so
        // that nothing downstream mistakes it for a role it can check.
        guard let expValue = claims["exp"], case .string? = claims["role"] else { return .failure(.missingClaims) }
        guard let exp = expValue.doubleValue else { return .failure(.invalidExpiration) }
        let nowSeconds = now.timeIntervalSince1970
        if exp <= nowSeconds {
            return .failure(.expired(secondsAgo: Int((nowSeconds - exp).rounded(.down))))
        }
        if let iat = claims["iat"], iat.doubleValue == nil { return .failure(.malformed) }
        if let nbfValue = claims["nbf"] {
            guard let nbf = nbfValue.doubleValue else { return .failure(.malformed) }
            if nbf > nowSeconds { return .failure(.notYetValid(secondsAhead: Int((nbf - nowSeconds).rounded(.up)))) }
        }
        return .success(claims)
    }

    static func base64URLDecode<S: StringProtocol>(_ s: S) -> [UInt8]? {
        var text = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !text.contains("=") else { return nil }
        while text.count % 4 != 0 { text.append("=") }
        return Data(base64Encoded: text).map(Array.init)
    }

    static func base64URLEncode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// An HS256 token with `claims`, for tests and tools.
    static func sign(claims: JSONValue, secret: String) -> String {
        let headerJSON: JSONValue = ["alg": "HS256", "typ": "JWT"]
        let header = base64URLEncode(headerJSON.jsonBytes)
        let body = base64URLEncode(claims.jsonBytes)
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("\(header).\(body)".utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return "\(header).\(body).\(base64URLEncode(Array(mac)))"
    }
}

/// Signs HS256 JWTs the relay accepts, for tests, tools and `qalam` itself.
public enum RelayToken {
    /// The fewest characters a JWT secret may have (Supabase's minimum).
    public static let minimumSecretLength = 32

    /// Refuses a secret that is empty or shorter than `minimumSecretLength`
    /// characters once surrounding blanks are set aside (`--jwt-secret "$SECRET"`
    /// with `SECRET` unset is an empty one).
    /// - Throws: `RelayError.weakSecret`.
    public static func checkSecret(_ secret: String) throws {
        let length = secret.trimmingCharacters(in: .whitespacesAndNewlines).count
        guard length >= minimumSecretLength else { throw RelayError.weakSecret(length: length) }
    }

    /// A token with `role` and `exp` (now + `lifetime`), plus `extraClaims`.
    public static func make(
        secret: String, role: String = "authenticated", lifetime: TimeInterval = 3600,
        extraClaims: [String: JSONValue] = [:]
    ) -> String {
        var claims = extraClaims
        claims["role"] = .string(role)
        claims["exp"] = .integer(Int64(Date().timeIntervalSince1970 + lifetime))
        return JWTVerifier.sign(claims: .object(claims), secret: secret)
    }

    /// Signs arbitrary claims (to test refusals: missing `role`, past `exp`…).
    public static func sign(claims: JSONValue, secret: String) -> String {
        JWTVerifier.sign(claims: claims, secret: secret)
    }
}
