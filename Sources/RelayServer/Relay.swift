import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import RealtimeProtocol
import ServiceLifecycle
import UnixSignals

/// The embedded Supabase-Realtime-compatible relay: Phoenix channels over
/// WebSocket at `/realtime/v1/websocket` and `/socket/websocket` (vsn 1.0.0 and
/// 2.0.0), broadcast, presence, heartbeats, JWT auth and Supabase's limits, plus
/// the REST broadcast route, `/healthz` and the document REST API.
///
/// ```swift
/// let relay = try Relay(configuration: RelayConfiguration(port: 0))
/// let port = try await relay.start()   // in the background
/// …
/// await relay.shutdown()               // clients get a 1012 close and reconnect later
/// ```
/// or `try await relay.run()` to serve until SIGINT/SIGTERM.
public actor Relay {
    /// What the relay was made with (the bound port is `boundPort` when `port` is 0).
    public nonisolated let configuration: RelayConfiguration
    nonisolated let hub: RelayHub
    nonisolated let logger: Logger

    private var serviceGroup: ServiceGroup?
    private var runTask: Task<Void, Error>?
    private var startWaiters: [CheckedContinuation<Int, Error>] = []
    private var onListening: (@Sendable (Int) async -> Void)?
    /// The port the server listens on, once it is running.
    public private(set) var boundPort: Int?

    /// - Throws: `RelayError.insecureBind` for a non-loopback host without a JWT secret,
    ///   `RelayError.weakSecret` for an empty or short one.
    public init(configuration: RelayConfiguration, logger: Logger = Logger(label: "qalam.relay")) throws {
        if (configuration.jwtSecret == nil || configuration.isPrivateToUser) && !configuration.isLoopback {
            throw RelayError.insecureBind(host: configuration.host)
        }
        if let secret = configuration.jwtSecret { try RelayToken.checkSecret(secret) }
        self.configuration = configuration
        self.logger = logger
        hub = RelayHub(
            limits: configuration.limits, verifier: configuration.verifier,
            readerBroadcastEvents: configuration.readerBroadcastEvents, idleTimeout: configuration.idleTimeout,
            joinErrorDelay: configuration.joinErrorDelay, logger: logger)
    }

    /// Serves until SIGINT/SIGTERM (when `handleSignals`) or `shutdown()`. On the way
    /// out every channel gets `system` "Server requested disconnect" and every socket a
    /// 1012 close, which Realtime clients answer by reconnecting later.
    ///
    /// - Parameter onListening: called once with the bound port when the server accepts connections.
    public func run(handleSignals: Bool = true, onListening: (@Sendable (Int) async -> Void)? = nil) async throws {
        guard serviceGroup == nil else { throw RelayError.alreadyRunning }
        self.onListening = onListening
        let app = makeApplication()
        let housekeeping = Housekeeping(
            hub: hub, grace: configuration.shutdownGracePeriod, policy: configuration.accessPolicy,
            membershipRecheck: configuration.membershipRecheckInterval)
        // Services shut down in reverse order: housekeeping drains the sockets first,
        // then the HTTP server stops.
        let group = ServiceGroup(
            configuration: .init(
                services: [app, housekeeping],
                gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
                logger: logger))
        serviceGroup = group
        if configuration.jwtSecret == nil {
            logger.notice(
                "no JWT secret configured: auth is off, so the relay listens on loopback only (\(configuration.host))")
        }
        do {
            try await group.run()
        } catch {
            failStart(error)
            serviceGroup = nil
            throw error
        }
        failStart(RelayError.notStarted("the server stopped"))
        serviceGroup = nil
    }

    /// Starts serving in the background and returns the bound port (useful with port 0).
    public func start() async throws -> Int {
        guard runTask == nil else { throw RelayError.alreadyRunning }
        runTask = Task { try await self.run(handleSignals: false) }
        if let boundPort { return boundPort }
        return try await withCheckedThrowingContinuation { startWaiters.append($0) }
    }

    /// Graceful shutdown: drains clients, stops listening, returns when done.
    public func shutdown() async {
        guard let group = serviceGroup else { return }
        await group.triggerGracefulShutdown()
        _ = try? await runTask?.value
        runTask = nil
    }

    /// Current socket/channel counts (for `/healthz`, tests and benchmarks).
    public func statistics() async -> RelayStatistics {
        await hub.statistics
    }

    private func serverStarted(_ port: Int) async {
        boundPort = port
        logger.notice("relay listening on \(configuration.host):\(port)")
        let waiters = startWaiters
        startWaiters = []
        for waiter in waiters { waiter.resume(returning: port) }
        await onListening?(port)
    }

    private func failStart(_ error: Error) {
        let waiters = startWaiters
        startWaiters = []
        for waiter in waiters { waiter.resume(throwing: RelayError.notStarted("\(error)")) }
    }

    // MARK: Assembly

    private nonisolated func makeApplication() -> some ApplicationProtocol {
        let router = Router()
        RelayRoutes(configuration: configuration, hub: hub, logger: logger).register(on: router)
        let limits = configuration.limits
        let wsConfiguration = WebSocketServerConfiguration(
            maxFrameSize: limits.maxFrameBytes, autoPing: .disabled,
            closeTimeout: configuration.shutdownGracePeriod, validateUTF8: false)
        let hub = self.hub
        let verifier = configuration.verifier
        let keyOptional = configuration.isPrivateToUser
        let challengeKey = configuration.challengeKey
        let authorizer = configuration.authorizer
        let requestGuard = RequestGuard(configuration: configuration)
        let grace = configuration.shutdownGracePeriod
        let logger = self.logger
        let server = HTTPServerBuilder.http1WebSocketUpgrade(configuration: .init(ws: wsConfiguration)) {
            request, channel, _ in
            guard let handshake = SocketHandshake(request: request) else { return .dontUpgrade }
            // A browser page may open a WebSocket to any port; its Origin gives it away.
            if let refusal = requestGuard.refusal(
                origins: request.headerFields[values: .origin], host: request.authority)
            {
                RefusedUpgradeResponder.install(.forbidden(refusal), on: channel)
                return .dontUpgrade
            }
            let version: SerializerVersion
            let apiKey: String?
            switch handshake.evaluate(verifier: verifier, keyOptional: keyOptional) {
            case let .accepted(acceptedVersion, acceptedKey):
                (version, apiKey) = (acceptedVersion, acceptedKey)
            case let .refused(refusal):
                // Hummingbird answers a refusal with a bare 400, which this replaces
                // with the status and JSON Supabase sends.
                RefusedUpgradeResponder.install(refusal, on: channel)
                return .dontUpgrade
            }
            // The proof names the address this socket reached, so it cannot be passed
            // off as the answer of a program on another address (see `RelayKey`).
            let challenge = ChallengeResponder(key: challengeKey, localAddress: channel.localAddress)
            let writer = SocketWriter.install(
                on: channel, backlog: OutboundBacklog(limit: limits.maxQueuedBytes))
            let shortcut = InboundShortcut(
                eventLoop: channel.eventLoop, table: hub.table, version: version, maxFrameBytes: limits.maxFrameBytes,
                hub: hub)
            ShortcutInstaller.install(shortcut, on: channel)
            return .upgrade([:]) { inbound, outbound, _ in
                await RelaySession.run(
                    inbound: inbound, outbound: outbound, writer: writer, shortcut: shortcut, hub: hub,
                    version: version, apiKey: apiKey,
                    authorizer: authorizer, challenge: challenge, limits: limits, closeGrace: grace,
                    logger: logger)
            }
        }
        return Application(
            router: router, server: server,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "qalam-relay"),
            onServerRunning: { channel in await self.serverStarted(channel.localAddress?.port ?? 0) },
            logger: logger)
    }
}

/// Sweeps idle sockets and expired tokens every second, re-checks joined users'
/// membership every `membershipRecheck`; on shutdown drains the sockets.
private struct Housekeeping: Service {
    let hub: RelayHub
    let grace: Duration
    let policy: AccessPolicy
    let membershipRecheck: Duration

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            let clock = ContinuousClock()
            var nextRecheck = clock.now + membershipRecheck
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(1))
                await hub.sweep()
                if policy.authenticates, policy.membership != nil, clock.now >= nextRecheck {
                    await recheckMemberships()
                    nextRecheck = clock.now + membershipRecheck
                }
            }
        }
        await hub.drain()
        // Wait for clients to answer the close handshake, not longer than the grace period.
        let clock = ContinuousClock()
        let deadline = clock.now + grace
        while await hub.connectionCount > 0, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// `qalam unshare` takes effect on open channels within one interval, even for
    /// a client that never refreshes its token.
    private func recheckMemberships() async {
        for check in await hub.membershipChecks() {
            let name = RealtimeTopic.channelName(ofTopic: check.topic) ?? check.topic
            let result = await policy.channel(name, isPrivate: check.isPrivate, caller: check.caller, create: false)
            await hub.applyMembershipCheck(check, result)
        }
    }
}
