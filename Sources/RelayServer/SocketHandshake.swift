import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import RealtimeProtocol

/// The WebSocket upgrade request of a Realtime client: path, `vsn`, `apikey`.
struct SocketHandshake {
    /// The paths realtime-js (`/realtime/v1/websocket`) and the Realtime server itself
    /// (`/socket/websocket`) use.
    static let paths: Set<String> = ["/realtime/v1/websocket", "/socket/websocket"]

    /// Why a handshake is refused, as Supabase answers it (docs/reference/realtime-protocol.md §1): an HTTP status and
    /// the JSON body `{"error": message}`.
    struct Refusal: Equatable {
        let status: HTTPResponse.Status
        let message: String

        var body: JSONValue { ["error": .string(message)] }

        /// 401 with one of Supabase's JWT messages.
        static func unauthorized(_ message: String) -> Refusal { Refusal(status: .unauthorized, message: message) }
        /// 403: a browser page of a foreign origin, or a foreign `Host`.
        static func forbidden(_ message: String) -> Refusal { Refusal(status: .forbidden, message: message) }
        /// 400: a `vsn` the relay does not speak.
        static func badVersion(_ message: String) -> Refusal { Refusal(status: .badRequest, message: message) }
    }

    enum Outcome {
        case accepted(SerializerVersion, apiKey: String?)
        case refused(Refusal)
    }

    let vsn: String?
    let apiKey: String?

    /// `nil` when the request is not for a socket path.
    init?(request: HTTPRequest) {
        guard let target = request.path, let components = URLComponents(string: target),
            Self.paths.contains(components.path)
        else { return nil }
        let query = components.queryItems ?? []
        vsn = query.last { $0.name == "vsn" }?.value
        // The server reads the `x-api-key` header first, then the `apikey` query parameter.
        let header = HTTPField.Name("x-api-key").flatMap { request.headerFields[$0] }
        apiKey = header ?? query.last { $0.name == "apikey" }?.value
    }

    /// - Parameter keyOptional: a relay private to its user lets a socket open
    ///   without a valid `apikey` (its joins still need a token); a valid one is kept
    ///   as the socket's token.
    func evaluate(verifier: JWTVerifier?, keyOptional: Bool = false) -> Outcome {
        let version: SerializerVersion
        do {
            version = try SerializerVersion(vsn: vsn)
        } catch {
            return .refused(.badVersion("\(error)"))
        }
        guard let verifier else { return .accepted(version, apiKey: apiKey) }
        if keyOptional {
            guard let apiKey, case .success = verifier.verify(apiKey) else { return .accepted(version, apiKey: nil) }
            return .accepted(version, apiKey: apiKey)
        }
        guard let apiKey, !apiKey.isEmpty else { return .refused(.unauthorized(TokenFailure.missing.message)) }
        switch verifier.verify(apiKey) {
        case let .failure(failure): return .refused(.unauthorized(failure.message))
        case .success: return .accepted(version, apiKey: apiKey)
        }
    }
}
