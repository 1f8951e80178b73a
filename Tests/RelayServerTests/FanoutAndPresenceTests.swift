import Foundation
import RealtimeProtocol
import TestSupport
import XCTest

@testable import RelayServer

final class FanoutAndPresenceTests: RelayTestCase {
    func testBroadcastReachesOthersButNotTheSenderWithSelfFalse() async throws {
        try await withRelay { _, port in
            let a = try await TestSocket.connect(port: port)
            let b = try await TestSocket.connect(port: port)
            let c = try await TestSocket.connect(port: port)
            for (socket, topic) in [(a, "realtime:room"), (b, "realtime:room"), (c, "realtime:other")] {
                let value5 = try await socket.join(topic, ref: "1")
                XCTAssertEqual(status(of: value5), "ok")
            }
            try await a.send(
                .broadcast(
                    topic: "realtime:room", joinRef: "1", ref: "2", event: "yjs-update", payload: ["update": [0, 1]]))
            let value6 = try await b.next()
            XCTAssertEqual(value6, .broadcast(topic: "realtime:room", event: "yjs-update", payload: ["update": [0, 1]]))
            try await a.expectSilence()
            try await c.expectSilence(for: .milliseconds(100))
            await a.close()
            await b.close()
            await c.close()
        }
    }

    func testPrivateAndPublicChannelsOfTheSameNameAreSeparate() async throws {
        try await withRelay { _, port in
            let pub = try await TestSocket.connect(port: port)
            let priv = try await TestSocket.connect(port: port)
            try await pub.join("realtime:r", ref: "1")
            try await priv.join("realtime:r", ref: "1", config: JoinConfig(isPrivate: true))
            try await pub.send(.broadcast(topic: "realtime:r", joinRef: "1", ref: "2", event: "e", payload: [:]))
            try await priv.expectSilence()
            await pub.close()
            await priv.close()
        }
    }

    func testPresenceStateDiffsRetrackAndLeave() async throws {
        try await withRelay { _, port in
            let a = try await TestSocket.connect(port: port)
            let b = try await TestSocket.connect(port: port)
            let presence = JoinConfig(presenceKey: "users", presenceEnabled: true)
            try await a.join("realtime:doc", ref: "1", config: JoinConfig(presenceKey: "ann", presenceEnabled: true))
            _ = try await a.expect(event: "presence_state")
            try await a.send(
                PhoenixMessage(
                    joinRef: "1", ref: "2", topic: "realtime:doc", event: "presence",
                    json: ["type": "presence", "event": "track", "payload": ["name": "Ann"]]))
            _ = try await a.expect(event: "presence_diff")

            // A late joiner sees Ann in presence_state.
            try await b.join("realtime:doc", ref: "1", config: presence)
            let state = PresenceState(json: try await b.expect(event: "presence_state").json ?? [:])
            XCTAssertEqual(state.entries["ann"]?.first?["name"], "Ann")
            let annRef = state.entries["ann"]?.first?["phx_ref"]

            // Re-tracking the same payload changes nothing.
            try await a.send(
                PhoenixMessage(
                    joinRef: "1", ref: "3", topic: "realtime:doc", event: "presence",
                    json: ["type": "presence", "event": "track", "payload": ["name": "Ann"]]))
            let value7 = try await a.expect(event: "phx_reply")
            XCTAssertEqual(status(of: value7), "ok")
            try await b.expectSilence()

            // A different payload: one diff with the new meta (phx_ref_prev) joining and the old leaving.
            try await a.send(
                PhoenixMessage(
                    joinRef: "1", ref: "4", topic: "realtime:doc", event: "presence",
                    json: ["type": "presence", "event": "track", "payload": ["name": "Ann", "line": 3]]))
            let update = PresenceDiff(json: try await b.expect(event: "presence_diff").json ?? [:])
            XCTAssertEqual(update.joins.entries["ann"]?.first?["line"], 3)
            XCTAssertEqual(update.joins.entries["ann"]?.first?["phx_ref_prev"], annRef)
            XCTAssertEqual(update.leaves.entries["ann"]?.first?["phx_ref"], annRef)

            // Leaving produces a leave for everyone else.
            try await a.send(
                PhoenixMessage(joinRef: "1", ref: "5", topic: "realtime:doc", event: "phx_leave", json: [:]))
            let leave = PresenceDiff(json: try await b.expect(event: "presence_diff").json ?? [:])
            XCTAssertEqual(leave.leaves.entries["ann"]?.first?["line"], 3)
            XCTAssertTrue(leave.joins.isEmpty)
            await a.close()
            await b.close()
        }
    }

    func testUntrackAndCleanCloseProduceLeaves() async throws {
        try await withRelay { _, port in
            let a = try await TestSocket.connect(port: port)
            let b = try await TestSocket.connect(port: port)
            try await b.join("realtime:doc", ref: "1", config: JoinConfig(presenceEnabled: true))
            try await a.join("realtime:doc", ref: "1", config: JoinConfig(presenceKey: "ann"))
            try await a.send(
                PhoenixMessage(
                    joinRef: "1", ref: "2", topic: "realtime:doc", event: "presence",
                    json: ["type": "presence", "event": "track", "payload": ["n": 1]]))
            _ = try await b.expect(event: "presence_diff")
            try await a.send(
                PhoenixMessage(
                    joinRef: "1", ref: "3", topic: "realtime:doc", event: "presence",
                    json: ["type": "presence", "event": "untrack"]))
            let value8 = try await b.expect(event: "presence_diff").json ?? [:]
            XCTAssertEqual(PresenceDiff(json: value8).leaves.entries.keys.first, "ann")
            try await a.send(
                PhoenixMessage(
                    joinRef: "1", ref: "4", topic: "realtime:doc", event: "presence",
                    json: ["type": "presence", "event": "track", "payload": ["n": 2]]))
            _ = try await b.expect(event: "presence_diff")
            await a.close()
            let gone = PresenceDiff(json: try await b.expect(event: "presence_diff").json ?? [:])
            XCTAssertEqual(gone.leaves.entries["ann"]?.first?["n"], 2)
            await b.close()
        }
    }

    func testSocketCutWithoutCloseMakesPresenceLeave() async throws {
        try await withRelay { relay, port in
            let watcher = try await TestSocket.connect(port: port)
            try await watcher.join("realtime:doc", ref: "1", config: JoinConfig(presenceEnabled: true))
            _ = try await watcher.expect(event: "presence_state")

            let raw = try RawConnection(port: port)
            try raw.webSocketHandshake(port: port, path: "/realtime/v1/websocket?vsn=2.0.0")
            try raw.sendText(
                #"["1","1","realtime:doc","phx_join",{"config":{"presence":{"key":"cut","enabled":false}}}]"#)
            XCTAssertTrue(raw.readText()?.contains("\"ok\"") ?? false)
            try raw.sendText(
                #"["1","2","realtime:doc","presence",{"type":"presence","event":"track","payload":{"who":"raw"}}]"#)
            _ = try await watcher.expect(event: "presence_diff")
            raw.cut()  // TCP closed, no WebSocket close frame
            let diff = PresenceDiff(json: try await watcher.expect(event: "presence_diff").json ?? [:])
            XCTAssertEqual(diff.leaves.entries["cut"]?.first?["who"], "raw")
            await eventually { await relay.statistics().sockets == 1 }
            await watcher.close()
        }
    }

    func testSilentSocketIsDroppedAndItsPresenceLeaves() async throws {
        try await withRelay({ $0.idleTimeout = .seconds(2) }) { _, port in
            let watcher = try await TestSocket.connect(port: port)
            let silent = try await TestSocket.connect(port: port)
            try await watcher.join("realtime:doc", ref: "1", config: JoinConfig(presenceEnabled: true))
            try await silent.join("realtime:doc", ref: "1", config: JoinConfig(presenceKey: "quiet"))
            try await silent.send(
                PhoenixMessage(
                    joinRef: "1", ref: "2", topic: "realtime:doc", event: "presence",
                    json: ["type": "presence", "event": "track", "payload": [:]]))
            _ = try await watcher.expect(event: "presence_diff")
            // The watcher keeps heartbeating; the silent one does not.
            let heartbeats = Task {
                for i in 0..<8 {
                    try? await watcher.send(.heartbeat(ref: "hb\(i)"))
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
            let leave = try await watcher.expect(event: "presence_diff", timeout: .seconds(10))
            XCTAssertEqual(PresenceDiff(json: leave.json ?? [:]).leaves.entries.keys.first, "quiet")
            let code = await silent.closeCode()
            XCTAssertEqual(code, .some(1000))
            heartbeats.cancel()
            await watcher.close()
        }
    }
}
