import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import RealtimeProtocol

/// The relay's HTTP routes: health, handshake errors, REST broadcast, documents.
struct RelayRoutes: Sendable {
    let configuration: RelayConfiguration
    let hub: RelayHub
    let logger: Logger

    var verifier: JWTVerifier? { configuration.verifier }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ -> Response in
            let stats = await hub.statistics
            return Self.json(
                .ok,
                ["status": "ok", "sockets": .integer(Int64(stats.sockets)), "channels": .integer(Int64(stats.channels))]
            )
        }
        for path in SocketHandshake.paths {
            // A plain GET (no upgrade) of a socket path gets the handshake's verdict as JSON;
            // a refused upgrade gets the same answer from `RefusedUpgradeResponder`.
            router.get(RouterPath(path)) { request, _ -> Response in
                guard let handshake = SocketHandshake(request: request.head) else {
                    return Self.json(.notFound, ["error": "not found"])
                }
                switch handshake.evaluate(verifier: verifier) {
                case let .refused(refusal): return Self.json(refusal.status, refusal.body)
                case .accepted: return Self.json(.badRequest, ["error": "expected a WebSocket upgrade request"])
                }
            }
        }
        for path in ["/realtime/v1/api/broadcast", "/api/broadcast"] {
            router.post(RouterPath(path)) { request, _ -> Response in
                try await restBroadcast(request)
            }
        }
        for prefix in ["/realtime/v1/api/broadcast", "/api/broadcast"] {
            router.post(RouterPath(prefix + "/:topic/events/:event")) { request, context -> Response in
                try await singleBroadcast(
                    request, topic: context.parameters.get("topic") ?? "",
                    event: context.parameters.get("event") ?? "")
            }
        }
        DocumentRoutes(configuration: configuration, logger: logger).register(on: router)
    }

    static func json(_ status: HTTPResponse.Status, _ body: JSONValue) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: body.jsonBytes)))
    }

    /// The bearer token or `apikey` header of a REST request, checked when auth is on.
    static func authorize(_ request: Request, verifier: JWTVerifier?) -> Bool {
        guard let verifier else { return true }
        let token = bearerToken(of: request) ?? HTTPField.Name("apikey").flatMap { request.headers[$0] }
        guard let token, case .success = verifier.verify(token) else { return false }
        return true
    }

    /// The token of an `Authorization: Bearer <token>` header (scheme in any case).
    static func bearerToken(of request: Request) -> String? {
        guard let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ")
        else {
            return nil
        }
        return String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
    }

    /// The request body, or `nil` when it is longer than `limit` bytes.
    static func body(of request: Request, upTo limit: Int) async -> [UInt8]? {
        var request = request
        guard let buffer = try? await request.collectBody(upTo: limit) else { return nil }
        return Array(buffer.readableBytesView)
    }

    /// `POST /realtime/v1/api/broadcast` (docs/reference/realtime-protocol.md §5.4): validate every message, then relay all.
    private func restBroadcast(_ request: Request) async throws -> Response {
        guard Self.authorize(request, verifier: verifier) else {
            return Self.json(.unauthorized, ["message": .string(RealtimeReason.restUnauthorized)])
        }
        let limits = configuration.limits
        guard let body = await Self.body(of: request, upTo: limits.maxFrameBytes) else {
            return Self.json(.contentTooLarge, ["errors": ["messages": .string(RealtimeReason.restPayloadTooLarge)]])
        }
        guard let json = try? JSONValue(parsing: body),
            let messages = json["messages"]?.arrayValue
        else {
            return Self.json(
                .unprocessableContent,
                ["errors": ["messages": "expected {\"messages\":[{\"topic\",\"event\",\"payload\"}]}"]])
        }
        guard messages.count <= limits.maxBatchMessages else {
            return Self.json(.tooManyRequests, ["message": .string(RealtimeReason.restBatchTooLarge)])
        }
        var outgoing: [(topic: String, isPrivate: Bool, message: PhoenixMessage)] = []
        for (index, message) in messages.enumerated() {
            guard let topic = message["topic"]?.stringValue, !topic.isEmpty,
                let event = message["event"]?.stringValue,
                let payload = message["payload"], payload.objectValue != nil
            else {
                return Self.json(
                    .unprocessableContent,
                    ["errors": .object(["messages[\(index)]": "topic, event and an object payload are required"])])
            }
            guard payload.jsonBytes.count <= limits.maxPayloadBytes else {
                return Self.json(
                    .unprocessableContent,
                    ["errors": .object(["messages[\(index)]": .string(RealtimeReason.restPayloadTooLarge)])])
            }
            let meta: JSONValue? = message["id"].flatMap { $0.isNull ? nil : ["id": $0] }
            let isPrivate = JoinConfig.flexibleBool(message["private"]) ?? false
            let wireTopic = RealtimeTopic.topic(forChannel: topic)
            outgoing.append(
                (wireTopic, isPrivate, .broadcast(topic: wireTopic, event: event, payload: payload, meta: meta)))
        }
        for item in outgoing {
            await hub.restBroadcast(topic: item.topic, isPrivate: item.isPrivate, message: item.message)
        }
        return Response(status: .accepted)
    }

    /// `POST /realtime/v1/api/broadcast/<topic>/events/<event>[?private=true]` (docs/reference/realtime-protocol.md §5.4):
    /// the body is the payload, JSON or raw bytes; subscribers get it as a user broadcast
    /// (kind 4 on vsn 2.0.0, JSON on vsn 1.0.0 when it is JSON).
    private func singleBroadcast(_ request: Request, topic: String, event: String) async throws -> Response {
        guard Self.authorize(request, verifier: verifier) else {
            return Self.json(.unauthorized, ["message": .string(RealtimeReason.restUnauthorized)])
        }
        let topic = topic.removingPercentEncoding ?? topic
        let event = event.removingPercentEncoding ?? event
        guard !topic.isEmpty, !event.isEmpty, topic.utf8.count <= 200, event.utf8.count <= 255 else {
            return Self.json(
                .unprocessableContent, ["errors": ["topic": "topic and event must be non-empty and short"]])
        }
        guard let bytes = await Self.body(of: request, upTo: configuration.limits.maxPayloadBytes) else {
            return Self.json(
                .unprocessableContent, ["errors": ["payload": .string(RealtimeReason.restPayloadTooLarge)]])
        }
        let contentType = request.headers[.contentType]?.lowercased() ?? "application/json"
        let payload: UserPayload
        if contentType.hasPrefix("application/json") {
            guard let json = try? JSONValue(parsing: bytes) else {
                return Self.json(.unprocessableContent, ["errors": ["payload": "the body is not valid JSON"]])
            }
            payload = .json(json)
        } else if contentType.hasPrefix("application/octet-stream") {
            payload = .binary(bytes)
        } else {
            return Self.json(.unsupportedMediaType, ["message": "use application/json or application/octet-stream"])
        }
        let isPrivate =
            JoinConfig.flexibleBool(request.uri.queryParameters.get("private").map { JSONValue.string(String($0)) })
            ?? false
        let wireTopic = RealtimeTopic.topic(forChannel: topic)
        let message = PhoenixMessage(
            topic: wireTopic, event: PhoenixEvent.broadcast,
            payload: .userBroadcast(UserBroadcast(event: event, payload: payload)))
        await hub.restBroadcast(topic: wireTopic, isPrivate: isPrivate, message: message)
        return Response(status: .accepted)
    }
}
