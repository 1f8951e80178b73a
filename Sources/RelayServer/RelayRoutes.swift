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
        // First, so that it wraps every route, and the not-found answer too.
        router.add(
            middleware: RequestGuardMiddleware<BasicRequestContext>(
                requestGuard: RequestGuard(configuration: configuration)))
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
                switch handshake.evaluate(verifier: verifier, keyOptional: configuration.isPrivateToUser) {
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

    /// Who a REST request speaks for, from its bearer token or `apikey` header.
    enum RequestCaller {
        /// The relay checks no tokens.
        case open
        case caller(Caller)
        /// No token, or one that does not verify.
        case unauthenticated
    }

    /// The caller of a REST request (`Authorization: Bearer` first, else `apikey`).
    static func caller(of request: Request, verifier: JWTVerifier?) -> RequestCaller {
        guard let verifier else { return .open }
        let token = bearerToken(of: request) ?? HTTPField.Name("apikey").flatMap { request.headers[$0] }
        guard let token, case let .success(claims) = verifier.verify(token), let caller = Caller(claims: claims) else {
            return .unauthenticated
        }
        return .caller(caller)
    }

    /// Whether the request's body is declared as `type` (parameters such as
    /// `charset` allowed). A browser sends `text/plain` without a CORS preflight,
    /// so writes insist on a type it cannot send unasked.
    static func hasContentType(_ request: Request, _ type: String) -> Bool {
        guard let value = request.headers[.contentType]?.lowercased() else { return false }
        let mediaType = value.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        return mediaType == type
    }

    /// 403 unless `caller` may broadcast on every channel of `topics` (name, private).
    private func refusal(toBroadcast topics: [(name: String, isPrivate: Bool)], caller: RequestCaller) async
        -> Response?
    {
        let policy = configuration.accessPolicy
        let who: Caller?
        switch caller {
        case .open: return nil
        case .unauthenticated: return Self.json(.unauthorized, ["message": .string(RealtimeReason.restUnauthorized)])
        case let .caller(verified): who = verified
        }
        var checked = Set<ChannelKey>()
        for (name, isPrivate) in topics where checked.insert(ChannelKey(topic: name, isPrivate: isPrivate)).inserted {
            switch await policy.channel(name, isPrivate: isPrivate, caller: who, create: false) {
            case let .success(grant) where grant.canWrite:
                continue
            case .success, .failure(.notMember):
                return Self.json(.forbidden, ["message": .string(RealtimeReason.unauthorizedWrite(name))])
            case let .failure(.unavailable(reason)):
                return Self.json(
                    .serviceUnavailable, ["message": .string(RealtimeReason.authorizationUnavailable(reason))])
            }
        }
        return nil
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
        let caller = Self.caller(of: request, verifier: verifier)
        if case .unauthenticated = caller {
            return Self.json(.unauthorized, ["message": .string(RealtimeReason.restUnauthorized)])
        }
        guard Self.hasContentType(request, "application/json") else {
            return Self.json(.unsupportedMediaType, ["message": "send the batch as Content-Type: application/json"])
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
        // All or nothing: one channel the caller may not write to refuses the batch.
        if let refusal = await refusal(
            toBroadcast: outgoing.map { (RealtimeTopic.channelName(ofTopic: $0.topic) ?? $0.topic, $0.isPrivate) },
            caller: caller)
        {
            return refusal
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
        let caller = Self.caller(of: request, verifier: verifier)
        if case .unauthenticated = caller {
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
        let payload: UserPayload
        if Self.hasContentType(request, "application/json") {
            guard let json = try? JSONValue(parsing: bytes) else {
                return Self.json(.unprocessableContent, ["errors": ["payload": "the body is not valid JSON"]])
            }
            payload = .json(json)
        } else if Self.hasContentType(request, "application/octet-stream") {
            payload = .binary(bytes)
        } else {
            return Self.json(.unsupportedMediaType, ["message": "use application/json or application/octet-stream"])
        }
        let isPrivate =
            JoinConfig.flexibleBool(request.uri.queryParameters.get("private").map { JSONValue.string(String($0)) })
            ?? false
        if let refusal = await refusal(toBroadcast: [(topic, isPrivate)], caller: caller) {
            return refusal
        }
        let wireTopic = RealtimeTopic.topic(forChannel: topic)
        let message = PhoenixMessage(
            topic: wireTopic, event: PhoenixEvent.broadcast,
            payload: .userBroadcast(UserBroadcast(event: event, payload: payload)))
        await hub.restBroadcast(topic: wireTopic, isPrivate: isPrivate, message: message)
        return Response(status: .accepted)
    }
}
