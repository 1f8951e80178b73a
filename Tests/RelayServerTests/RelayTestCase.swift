import Foundation
import Logging
import RealtimeProtocol
import XCTest

@testable import RelayServer

/// Starts a relay on an ephemeral loopback port for one test, and stops it after.
class RelayTestCase: XCTestCase {
    func withRelay(
        _ configure: (inout RelayConfiguration) -> Void = { _ in },
        _ body: (Relay, Int) async throws -> Void
    ) async throws {
        var configuration = RelayConfiguration(port: 0)
        configure(&configuration)
        var logger = Logger(label: "relay-test")
        logger.logLevel = ProcessInfo.processInfo.environment["RELAY_TEST_LOG"] == nil ? .critical : .debug
        let relay = try Relay(configuration: configuration, logger: logger)
        let port = try await relay.start()
        do {
            try await body(relay, port)
        } catch {
            await relay.shutdown()
            throw error
        }
        await relay.shutdown()
    }

    func status(of reply: PhoenixMessage) -> String? { reply.json?["status"]?.stringValue }
    func reason(of reply: PhoenixMessage) -> String? { reply.json?["response"]?["reason"]?.stringValue }
}
