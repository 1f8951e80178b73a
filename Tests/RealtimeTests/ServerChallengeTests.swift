import Foundation
import Logging
import RealtimeProtocol
import RelayServer
import TestSupport
import XCTest

@testable import Realtime

/// A client that must reach this user's relay, and a program that took its port:
/// the client sends the challenge and nothing else, and says who is to blame.
final class ServerChallengeTests: XCTestCase {
    private let key = RelayKey(secret: "challenge-test-key-challenge-test-key-01")

    private func options() -> RealtimeOptions {
        var options = fastOptions()
        options.connectTimeout = .seconds(3)
        let key = self.key
        options.serverChallenge = ServerChallenge { challenge, proof, address in
            key.verify(proof: proof, for: challenge, at: address)
        }
        options.accessToken = { key.token() }
        return options
    }

    private func start(_ configuration: RelayConfiguration) async throws -> (Relay, Int) {
        var logger = Logger(label: "test.relay")
        logger.logLevel = .critical
        var configuration = configuration
        configuration.shutdownGracePeriod = .milliseconds(300)
        let relay = try Relay(configuration: configuration, logger: logger)
        return (relay, try await relay.start())
    }

    func testTheUsersRelayProvesItselfAndTheClientJoins() async throws {
        let (relay, port) = try await start(.privateToUser(key, port: 0))
        let client = try RealtimeClient(
            url: URL(string: "http://127.0.0.1:\(port)")!, apiKey: "qalam-local", options: options())
        let channel = await client.channel("room:\(UUID().uuidString.lowercased())")
        try await channel.subscribe(timeout: .seconds(15))
        let access = await channel.joinResponse()?["access"]?["role"]
        XCTAssertEqual(access, "service_role")
        let failure = await client.lastFailure
        XCTAssertNil(failure)
        await client.disconnect()
        await relay.shutdown()
    }

    /// The client checks the proof against the address it dialled: this user's own
    /// relay, reached under a name (here `localhost`), proves 127.0.0.1 and is
    /// refused, as it would be when a program on the name's other address passed
    /// the challenge on to it.
    func testAProofOfAnotherAddressIsRefused() async throws {
        let (relay, port) = try await start(.privateToUser(key, port: 0))
        let client = try RealtimeClient(
            url: URL(string: "http://localhost:\(port)")!, apiKey: "qalam-local", options: options())
        await client.connect()
        await eventually("the client blames the address") {
            await client.lastFailure == .serverNotAuthentic(server: "localhost:\(port)")
        }
        let stats = await relay.statistics()
        XCTAssertEqual(stats.channels, 0)
        await client.disconnect()
        await relay.shutdown()
    }

    /// Squatters: an open relay (any program speaking the protocol) and another
    /// user's private relay. Neither gets a join, a token or a broadcast.
    func testASquatterGetsNothingButTheChallenge() async throws {
        let squatters: [(String, RelayConfiguration)] = [
            ("an open relay", RelayConfiguration(port: 0)),
            (
                "another user's relay",
                .privateToUser(RelayKey(secret: "someone-elses-key-someone-elses-key-0001"), port: 0)
            )
        ]
        for (label, configuration) in squatters {
            let (squatter, port) = try await start(configuration)
            let url = URL(string: "http://127.0.0.1:\(port)")!
            let document = "room:\(UUID().uuidString.lowercased())"
            let client = try RealtimeClient(url: url, apiKey: "qalam-local", options: options())
            let states = Recorder(await client.connectionStates())
            let channel = await client.channel(document, config: JoinConfig(broadcastAck: false))
            await client.connect()
            // What an editor would do at once: join, and send the document.
            Task { try? await channel.subscribe(timeout: .seconds(30)) }
            try? await channel.broadcast(event: "yjs-update", json: ["update": "the private document"])
            await eventually("\(label): the client blames the port") {
                await client.lastFailure == .serverNotAuthentic(server: "127.0.0.1:\(port)")
            }
            try await states.waitFor("\(label): retrying") {
                if case .closed(reconnectIn: _?) = $0 { return true }
                return false
            }
            try await Task.sleep(for: .milliseconds(500))
            let opened = await states.items.contains(.open)
            XCTAssertFalse(opened, "\(label): the socket never counted as open")
            let stats = await squatter.statistics()
            XCTAssertEqual(stats.channels, 0, "\(label): nothing was joined")
            let status = await channel.status()
            XCTAssertNotEqual(status, .joined, label)
            let failure = await client.lastFailure
            XCTAssertTrue(failure?.description.contains("did not prove it holds your relay key") ?? false)
            await client.disconnect()
            await squatter.shutdown()
        }
    }
}
