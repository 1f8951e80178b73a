import Foundation
import RealtimeProtocol
import RelayServer
import XCTest

@testable import Realtime

/// Joins, errors, heartbeats, reconnects and tokens against the real relay.
final class ConnectionTests: XCTestCase {
    func testJoinErrorCarriesTheServerReason() async throws {
        let relay = try await TestRelay.start()
        let client = try RealtimeClient(url: relay.url, apiKey: "anon", options: fastOptions())
        // Topic `realtime:` with no name is refused by Supabase and by the relay.
        let nameless = await client.channel("")
        let events = Recorder(await nameless.events())
        do {
            try await nameless.subscribe(timeout: .seconds(15))
            XCTFail("joining realtime: must fail")
        } catch let error as RealtimeError {
            XCTAssertEqual(error, .joinRejected(topic: "realtime:", reason: RealtimeReason.topicNameRequired))
            XCTAssertTrue(error.description.contains("TopicNameRequired"), error.description)
        }
        try await events.waitFor("errored status") { $0 == .status(.errored(reason: RealtimeReason.topicNameRequired)) }
        // It keeps retrying with backoff until unsubscribed.
        await events.clear()
        try await events.waitFor("a rejoin attempt") { $0 == .status(.joining) }
        await nameless.unsubscribe()
        await client.disconnect()
        await relay.stop()
    }

    func testJoinWithoutAnswerTimesOutAndIsRetried() async throws {
        // The relay holds join errors back for 3 s (Supabase: 5 s), longer than we wait.
        let relay = try await TestRelay.start(joinErrorDelay: .seconds(3))
        let client = try RealtimeClient(url: relay.url, apiKey: "anon", options: fastOptions())
        let nameless = await client.channel("")
        let events = Recorder(await nameless.events())
        let started = ContinuousClock.now
        do {
            try await nameless.subscribe(timeout: .milliseconds(300))
            XCTFail("the join cannot succeed")
        } catch let error as RealtimeError {
            XCTAssertEqual(error, .timedOut(topic: "realtime:", event: "phx_join", after: .milliseconds(300)))
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(3), "gave up before the late error reply")
        try await events.waitFor("errored by the timeout") { $0 == .status(.errored(reason: "join timed out")) }
        // The channel retries on its own; a later attempt gets the server's answer.
        try await events.waitFor("the server's reason from a later attempt", timeout: .seconds(20)) {
            $0 == .status(.errored(reason: RealtimeReason.topicNameRequired))
        }
        await nameless.unsubscribe()
        await client.disconnect()
        await relay.stop()
    }

    func testExpiredAccessTokenIsRefusedAtJoin() async throws {
        let secret = "test-secret-for-realtime-client-tests"
        let relay = try await TestRelay.start(jwtSecret: secret)
        let apiKey = RelayToken.make(secret: secret, role: "anon")
        let client = try RealtimeClient(url: relay.url, apiKey: apiKey, options: fastOptions())
        await client.setAuth(RelayToken.make(secret: secret, lifetime: -100))
        let room = await client.channel("secure")
        do {
            try await room.subscribe(timeout: .seconds(15))
            XCTFail("an expired access_token must be refused")
        } catch let RealtimeError.joinRejected(topic, reason) {
            XCTAssertEqual(topic, "realtime:secure")
            XCTAssertTrue(reason.hasPrefix("InvalidJWTToken: Token has expired"), reason)
        }
        // A fresh token lets the next rejoin through.
        await client.setAuth(RelayToken.make(secret: secret))
        let events = Recorder(await room.events())
        try await events.waitFor("joined after refresh") { $0 == .status(.joined) }
        await client.disconnect()
        await relay.stop()
    }

    func testSetAuthPushesTheTokenToJoinedChannels() async throws {
        let secret = "another-secret-for-set-auth-at-least-32"
        let relay = try await TestRelay.start(jwtSecret: secret)
        let apiKey = RelayToken.make(secret: secret, role: "anon")
        let (client, room, events) = try await joinedChannel(relay, "auth", apiKey: apiKey)
        // A valid new token is accepted silently: the channel stays joined and working.
        await client.setAuth(RelayToken.make(secret: secret, lifetime: 7200))
        try await room.broadcast(event: "still-here", json: [:])
        // An expired one makes the server stop the channel: proof the push went out.
        await client.setAuth(RelayToken.make(secret: secret, lifetime: -50))
        let system = try await events.waitFor("system message") {
            if case .system = $0 { return true }
            return false
        }
        guard case let .system(status, message) = system else { return XCTFail("\(system)") }
        XCTAssertEqual(status, "error")
        XCTAssertTrue(message.hasPrefix("Token has expired"), message)
        try await events.waitFor("closed by server") { $0 == .status(.closed) }
        let status2 = await room.status()
        XCTAssertEqual(status2, .closed, "a phx_close is final: no rejoin")
        await client.disconnect()
        await relay.stop()
    }

    func testAccessTokenProviderIsAskedAtJoinAndWithEveryHeartbeat() async throws {
        let secret = "secret-for-the-token-provider-at-least-32"
        let relay = try await TestRelay.start(jwtSecret: secret)
        let tokens = TokenSource(RelayToken.make(secret: secret, lifetime: -10))
        var options = fastOptions(heartbeat: .milliseconds(200))
        options.accessToken = { await tokens.current() }
        let client = try RealtimeClient(
            url: relay.url, apiKey: RelayToken.make(secret: secret, role: "anon"), options: options)
        let room = await client.channel("provided")
        let events = Recorder(await room.events())
        // The provider's (expired) token goes with the join, so the join is refused…
        do {
            try await room.subscribe(timeout: .seconds(15))
            XCTFail("the expired token from the provider must be refused")
        } catch let RealtimeError.joinRejected(_, reason) {
            XCTAssertTrue(reason.contains("Token has expired"), reason)
        }
        // …and a refreshed one is picked up with the next heartbeat and used by the rejoin.
        await tokens.set(RelayToken.make(secret: secret))
        try await events.waitFor("joined with the refreshed token") { $0 == .status(.joined) }
        let joinedToken = await client.currentAccessToken
        let fresh = await tokens.current()
        XCTAssertEqual(joinedToken, fresh)
        // Expiring it now is pushed to the joined channel, which the server then stops.
        await tokens.set(RelayToken.make(secret: secret, lifetime: -5))
        try await events.waitFor("stopped after the pushed expired token") { $0 == .status(.closed) }
        await client.disconnect()
        await relay.stop()
    }

    func testHeartbeatsKeepAnIdleSocketOpen() async throws {
        // The relay drops sockets silent for 2 s; heartbeats every 300 ms keep ours.
        let relay = try await TestRelay.start(idleTimeout: .seconds(2))
        let (client, room, _) = try await joinedChannel(
            relay, "idle", options: fastOptions(heartbeat: .milliseconds(300)))
        let states = Recorder(await client.connectionStates())
        try await Task.sleep(for: .seconds(5))
        let drops = await states.count { if case .closed = $0 { return true } else { return false } }
        XCTAssertEqual(drops, 0, "the socket must not have dropped")
        let status = await room.status()
        XCTAssertEqual(status, .joined)
        await client.disconnect()
        await relay.stop()
    }

    func testWithoutHeartbeatsTheIdleSocketIsDroppedAndReopened() async throws {
        // The control for the test above: with heartbeats far apart the relay's idle
        // timeout closes the socket, and the client reconnects and rejoins on its own.
        let relay = try await TestRelay.start(idleTimeout: .seconds(1))
        let (client, _, events) = try await joinedChannel(relay, "idle", options: fastOptions(heartbeat: .seconds(600)))
        let states = Recorder(await client.connectionStates())
        try await states.waitFor("a drop") {
            if case .closed(reconnectIn: _?) = $0 { return true } else { return false }
        }
        try await events.waitFor("errored") { if case .status(.errored) = $0 { return true } else { return false } }
        await events.clear()
        try await events.waitFor("rejoined") { $0 == .status(.joined) }
        await client.disconnect()
        await relay.stop()
    }

    func testReconnectsAndRejoinsWhenTheRelayRestartsOnTheSamePort() async throws {
        var relay = try await TestRelay.start()
        let port = relay.port
        // A hears its own broadcasts (`self: true`): the echo is the relay's proof that
        // it received a push, whoever else was in the room at that moment.
        let configA = JoinConfig(broadcastSelf: true, presenceKey: "users", presenceEnabled: true)
        let configB = JoinConfig(presenceKey: "users", presenceEnabled: true)
        let (a, roomA, eventsA) = try await joinedChannel(relay, "restart", config: configA)
        let (b, roomB, eventsB) = try await joinedChannel(relay, "restart", config: configB)
        try await roomA.track(["name": "ann"])
        try await roomB.broadcast(event: "before", json: [:])
        try await eventsA.waitFor("before") { $0.broadcastEvent == "before" }
        let statesA = Recorder(await a.connectionStates())
        let statesB = Recorder(await b.connectionStates())

        await relay.stop()
        for (name, states) in [("A", statesA), ("B", statesB)] {
            try await states.waitFor("\(name) closed with a retry pending") {
                if case .closed(reconnectIn: _?) = $0 { return true } else { return false }
            }
        }
        for (name, events) in [("A", eventsA), ("B", eventsB)] {
            try await events.waitFor("\(name) errored") {
                if case .status(.errored) = $0 { return true } else { return false }
            }
            // From here on a `.joined` status can only come from a rejoin.
            await events.clear()
        }
        // Sent while the relay is down: kept in A's buffer until the rejoin.
        try await roomA.broadcast(event: "during", json: ["n": 1])

        relay = try await TestRelay.restart(port: port)
        try await eventsA.waitFor("A rejoined") { $0 == .status(.joined) }
        try await eventsB.waitFor("B rejoined") { $0 == .status(.joined) }
        // The buffered push went out after A's rejoin. Delivery is at-most-once, as on
        // Supabase: B, which may have rejoined later, is not promised this one.
        try await eventsA.waitFor("A's buffered broadcast, echoed by the new relay") { $0.broadcastEvent == "during" }
        let itemsA = await eventsA.items
        let rejoinedAt = itemsA.firstIndex { $0 == .status(.joined) }
        let echoedAt = itemsA.firstIndex { $0.broadcastEvent == "during" }
        XCTAssertLessThan(
            try XCTUnwrap(rejoinedAt), try XCTUnwrap(echoedAt), "the buffer is flushed only once rejoined")
        XCTAssertEqual(itemsA[try XCTUnwrap(echoedAt)].broadcastPayload, .json(["n": 1]))
        // Both rejoined, so broadcasts reach the other side in both directions.
        try await roomB.broadcast(event: "after", json: [:])
        try await eventsA.waitFor("B's broadcast after both rejoined") { $0.broadcastEvent == "after" }
        try await roomA.broadcast(event: "after-a", json: [:])
        try await eventsB.waitFor("A's broadcast after both rejoined") { $0.broadcastEvent == "after-a" }
        // A's presence was tracked again after its rejoin.
        let state = try await waitForPresence(roomB, "ann tracked again") { presenceNames($0) == ["ann"] }
        XCTAssertEqual(presenceNames(state), ["ann"])
        for (name, states) in [("A", statesA), ("B", statesB)] {
            let opens = await states.count { $0 == .open }
            XCTAssertGreaterThanOrEqual(opens, 1, "\(name) reopened its socket")
        }
        await a.disconnect()
        await b.disconnect()
        await relay.stop()
    }

    func testConnectionStatesAndDisconnect() async throws {
        let relay = try await TestRelay.start()
        let client = try RealtimeClient(url: relay.url, apiKey: "anon", options: fastOptions())
        let states = Recorder(await client.connectionStates())
        await client.connect()
        try await states.waitFor("open") { $0 == .open }
        let connected = await client.isConnected
        XCTAssertTrue(connected)
        await client.disconnect()
        try await states.waitFor("closed for good") { $0 == .closed(reconnectIn: nil) }
        // Nothing reconnects afterwards.
        try await Task.sleep(for: .milliseconds(500))
        let opens = await states.count { $0 == .open }
        XCTAssertEqual(opens, 1)
        await relay.stop()
    }

    func testUnreachableServerIsRetriedWithBackoffUntilItComesUp() async throws {
        // Take a free port and stop the relay, so that nothing listens there.
        let first = try await TestRelay.start()
        let port = first.port
        await first.stop()
        var options = fastOptions()
        options.reconnectBackoff = Backoff(
            [.milliseconds(50), .milliseconds(100), .milliseconds(150)], then: .milliseconds(200))
        let client = try RealtimeClient(url: first.url, apiKey: "anon", options: options)
        let states = Recorder(await client.connectionStates())
        await client.connect()
        try await states.waitFor("four failed attempts") { $0 == .closed(reconnectIn: .milliseconds(200)) }
        let delays = await states.items.compactMap { state -> Duration? in
            if case let .closed(delay?) = state { return delay } else { return nil }
        }
        XCTAssertEqual(
            Array(delays.prefix(4)), [.milliseconds(50), .milliseconds(100), .milliseconds(150), .milliseconds(200)])
        let relay = try await TestRelay.restart(port: port)
        try await states.waitFor("open once the server is up") { $0 == .open }
        await client.disconnect()
        await relay.stop()
    }
}

/// A token that a test changes while a client keeps asking for it.
actor TokenSource {
    private var token: String
    init(_ token: String) { self.token = token }
    func current() -> String { token }
    func set(_ token: String) { self.token = token }
}
