import Logging
import RelayServer

/// `--role relay`: the embedded relay in this process, limits raised for the load.
enum RelayRole {
    /// Limits that let the benchmark's load through. The relay applies Supabase's
    /// self-hosted defaults per socket (100 events/s, 200 users); the load stays under
    /// the per-socket event rate, but a room of 100 users is 100 000 deliveries a
    /// second, which Supabase would count against a tenant limit of 100. The
    /// benchmark measures the fan-out, not the limiter, so the limits are lifted.
    static var limits: RelayLimits {
        var limits = RelayLimits()
        limits.eventsPerSecond = 1_000_000
        limits.maxConcurrentUsers = 100_000
        limits.joinsPerSecond = 100_000
        return limits
    }

    static func run(port: Int) async throws {
        // stdout carries only the port line: the relay's log goes to stderr, warnings only.
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "relay-benchmark.relay")
        logger.logLevel = .warning
        let relay = try Relay(
            configuration: RelayConfiguration(host: "127.0.0.1", port: port, limits: limits), logger: logger)
        try await relay.run(handleSignals: true) { port in announce(port: port) }
    }
}
