import Foundation
import RealtimeProtocol
import RelayServer
import XCTest

@testable import Realtime

/// Two real clients exchanging broadcasts through the in-process relay.
final class BroadcastTests: XCTestCase {
    private let binary: [UInt8] = [0xCA, 0xFE, 0xBA, 0xBE, 0x00, 0x11, 0x22, 0x33]

    private func exchangeJSON(_ version: SerializerVersion) async throws {
        let relay = try await TestRelay.start()
        let (a, roomA, eventsA) = try await joinedChannel(relay, "room", options: fastOptions(version))
        let (b, roomB, eventsB) = try await joinedChannel(relay, "room", options: fastOptions(version))

        try await roomA.broadcast(event: "cursor", json: ["x": 1, "name": "أحمد"])
        let got = try await eventsB.waitFor("A's cursor") { $0.broadcastEvent == "cursor" }
        XCTAssertEqual(got, .broadcast(event: "cursor", payload: .json(["x": 1, "name": "أحمد"])))

        // B answers; once A has the answer, anything the relay would have echoed
        // back to A (it must not: self is false) would already be there.
        try await roomB.broadcast(event: "reply", json: ["ok": true])
        try await eventsA.waitFor("B's reply") { $0.broadcastEvent == "reply" }
        let echoes = await eventsA.count { $0.broadcastEvent == "cursor" }
        XCTAssertEqual(echoes, 0, "self: false must not echo the sender's own broadcast")

        await a.disconnect()
        await b.disconnect()
        await relay.stop()
    }

    func testJSONBroadcastVersion2() async throws { try await exchangeJSON(.v2) }

    func testJSONBroadcastVersion1() async throws { try await exchangeJSON(.v1) }

    func testBinaryBroadcastVersion2() async throws {
        let relay = try await TestRelay.start()
        let (a, roomA, _) = try await joinedChannel(relay, "doc")
        let (b, _, eventsB) = try await joinedChannel(relay, "doc")
        try await roomA.broadcast(event: "yjs-update", payload: .binary(binary))
        let got = try await eventsB.waitFor("binary update") { $0.broadcastEvent == "yjs-update" }
        XCTAssertEqual(got.broadcastPayload, .binary(binary))
        await a.disconnect()
        await b.disconnect()
        await relay.stop()
    }

    func testVersion1CannotSendBinaryButReceivesJSONFromVersion2() async throws {
        let relay = try await TestRelay.start()
        let (old, oldRoom, oldEvents) = try await joinedChannel(relay, "mixed", options: fastOptions(.v1))
        let (new, newRoom, _) = try await joinedChannel(relay, "mixed", options: fastOptions(.v2))

        do {
            try await oldRoom.broadcast(event: "yjs-update", payload: .binary(binary))
            XCTFail("a vsn 1.0.0 socket cannot carry binary payloads")
        } catch let error as RealtimeError {
            XCTAssertEqual(error, .binaryNeedsVersion2(topic: "realtime:mixed"))
        }
        // A kind-3 JSON broadcast from the vsn 2 client reaches the vsn 1 client as JSON.
        try await newRoom.broadcast(event: "yjs-update", json: ["update": .init(bytes: binary)])
        let got = try await oldEvents.waitFor("JSON update") { $0.broadcastEvent == "yjs-update" }
        XCTAssertEqual(got.broadcastPayload, .json(["update": .init(bytes: binary)]))
        await old.disconnect()
        await new.disconnect()
        await relay.stop()
    }

    func testSelfTrueEchoesAndAckWaitsForTheServer() async throws {
        var limits = RelayLimits()
        limits.maxPayloadBytes = 2_000
        let relay = try await TestRelay.start(limits: limits)
        let config = JoinConfig(broadcastSelf: true, broadcastAck: true)
        let (client, room, events) = try await joinedChannel(relay, "echo", config: config)

        try await room.broadcast(event: "ping", json: ["n": 1])
        try await events.waitFor("own broadcast") { $0.broadcastEvent == "ping" }
        try await room.broadcast(event: "bin", payload: .binary(binary))
        let echoed = try await events.waitFor("own binary broadcast") { $0.broadcastEvent == "bin" }
        XCTAssertEqual(echoed.broadcastPayload, .binary(binary))

        // With ack the server's verdict reaches the caller: an oversized payload is refused.
        do {
            try await room.broadcast(event: "big", payload: .binary([UInt8](repeating: 7, count: 10_000)))
            XCTFail("an oversized broadcast must be rejected")
        } catch let error as RealtimeError {
            XCTAssertEqual(
                error, .pushRejected(topic: "realtime:echo", event: "broadcast", reason: "payload_size_exceeded"))
        }
        await client.disconnect()
        await relay.stop()
    }

    func testBroadcastsBeforeTheJoinAreBufferedAndSentAfterIt() async throws {
        let relay = try await TestRelay.start()
        let (b, _, eventsB) = try await joinedChannel(relay, "buffered")
        let a = try RealtimeClient(url: relay.url, apiKey: "anon", options: fastOptions())
        let room = await a.channel("buffered", config: JoinConfig())
        let subscribing = Task { try await room.subscribe(timeout: .seconds(15)) }
        // Sent while the socket is still connecting: held in the channel's buffer.
        try await room.broadcast(event: "early", json: ["n": 1])
        try await room.broadcast(event: "early", json: ["n": 2])
        try await subscribing.value
        try await eventsB.waitFor("second early broadcast") { $0.broadcastPayload == .json(["n": 2]) }
        let earlies = await eventsB.items.filter { $0.broadcastEvent == "early" }
        XCTAssertEqual(earlies.map(\.broadcastPayload), [.json(["n": 1]), .json(["n": 2])], "order kept")
        await a.disconnect()
        await b.disconnect()
        await relay.stop()
    }

    func testSeveralChannelsShareOneSocketAndStayApart() async throws {
        let relay = try await TestRelay.start()
        let a = try RealtimeClient(url: relay.url, apiKey: "anon", options: fastOptions())
        let one = await a.channel("one")
        let two = await a.channel("two")
        let sameAsOne = await a.channel("one", config: JoinConfig(broadcastSelf: true))
        XCTAssertEqual(sameAsOne.topic, one.topic, "one channel object per topic, as realtime-js")
        let eventsOne = Recorder(await one.events())
        let eventsTwo = Recorder(await two.events())
        try await one.subscribe()
        try await two.subscribe()
        let (b, roomTwo, _) = try await joinedChannel(relay, "two")
        try await roomTwo.broadcast(event: "for-two", json: ["n": 2])
        try await eventsTwo.waitFor("broadcast on two") { $0.broadcastEvent == "for-two" }
        let stats = await relay.relay.statistics()
        XCTAssertEqual(stats.sockets, 2, "both channels of client A ride one socket")
        let leaked = await eventsOne.count { $0.broadcastEvent == "for-two" }
        XCTAssertEqual(leaked, 0)
        await a.disconnect()
        await b.disconnect()
        await relay.stop()
    }

    func testPushesOnAnUnsubscribedChannelFail() async throws {
        let relay = try await TestRelay.start()
        let (client, room, events) = try await joinedChannel(relay, "gone")
        await room.unsubscribe()
        try await events.waitFor("closed status") { $0 == .status(.closed) }
        let status = await room.status()
        XCTAssertEqual(status, .closed)
        do {
            try await room.broadcast(event: "x", json: [:])
            XCTFail("broadcast on a closed channel must throw")
        } catch let error as RealtimeError {
            guard case .channelClosed = error else { return XCTFail("\(error)") }
        }
        await client.disconnect()
        await relay.stop()
    }
}
