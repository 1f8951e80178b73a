import Foundation
import RealtimeProtocol
import XCTest

@testable import RelayServer

/// docs/reference/realtime-protocol.md §10: the canonical frames replayed against the relay, byte for byte where the
/// frame is deterministic (key order aside), for both serializer versions.
final class ConformanceTests: RelayTestCase {
    func testHeartbeatV2() async throws {
        try await withRelay { _, port in
            let socket = try await TestSocket.connect(port: port)
            try await socket.sendText(#"[null,"2","phoenix","heartbeat",{}]"#)
            let reply = try await socket.next()
            XCTAssertEqual(
                reply,
                PhoenixMessage(
                    joinRef: nil, ref: "2", topic: "phoenix", event: "phx_reply",
                    json: ["status": "ok", "response": [:]]))
            await socket.close()
        }
    }

    func testHeartbeatV1OnServerPath() async throws {
        try await withRelay { _, port in
            let socket = try await TestSocket.connect(port: port, vsn: .v1, path: "/socket/websocket")
            try await socket.sendText(#"{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"7"}"#)
            guard case let .text(text)? = await socket.nextFrame() else { return XCTFail("no reply") }
            // V1 server frames carry no join_ref.
            XCTAssertEqual(
                try JSONValue(parsing: text),
                try JSONValue(
                    parsing:
                        #"{"topic":"phoenix","event":"phx_reply","payload":{"status":"ok","response":{}},"ref":"7"}"#))
            await socket.close()
        }
    }

    func testJoinBroadcastSelfAckAndLeave() async throws {
        try await withRelay { _, port in
            let socket = try await TestSocket.connect(port: port)
            try await socket.sendText(
                #"["1","1","realtime:any","phx_join",{"config":{"broadcast":{"self":true},"private":false}}]"#)
            let value14 = try await socket.next()
            XCTAssertEqual(
                value14,
                PhoenixMessage(
                    joinRef: "1", ref: "1", topic: "realtime:any", event: "phx_reply",
                    json: ["status": "ok", "response": ["postgres_changes": []]]))
            // self:true echoes, ack:false sends no reply.
            try await socket.sendText(
                #"["1","3","realtime:any","broadcast",{"event":"TEST","payload":{"msg":1},"type":"broadcast"}]"#)
            let value15 = try await socket.next()
            XCTAssertEqual(
                value15,
                PhoenixMessage(
                    topic: "realtime:any", event: "broadcast",
                    json: ["event": "TEST", "payload": ["msg": 1], "type": "broadcast"]))
            try await socket.expectSilence()
            // Leave: ok reply, then phx_close with both refs = join ref.
            try await socket.sendText(#"["1","9","realtime:any","phx_leave",{}]"#)
            let value16 = try await socket.next()
            XCTAssertEqual(
                value16,
                PhoenixMessage(
                    joinRef: "1", ref: "9", topic: "realtime:any", event: "phx_reply",
                    json: ["status": "ok", "response": [:]]))
            let value17 = try await socket.next()
            XCTAssertEqual(
                value17, PhoenixMessage(joinRef: "1", ref: "1", topic: "realtime:any", event: "phx_close", json: [:]))
            await socket.close()
        }
    }

    func testAckedBroadcastRepliesThenRelays() async throws {
        try await withRelay { _, port in
            let socket = try await TestSocket.connect(port: port)
            try await socket.join("realtime:x", ref: "1", config: JoinConfig(broadcastSelf: true, broadcastAck: true))
            try await socket.sendText(
                #"["1","2001","realtime:x","broadcast",{"event":"TEST","payload":{"msg":1},"type":"broadcast"}]"#)
            let value18 = try await socket.next()
            XCTAssertEqual(
                value18,
                PhoenixMessage(
                    joinRef: "1", ref: "2001", topic: "realtime:x", event: "phx_reply",
                    json: ["status": "ok", "response": [:]]))
            let value19 = try await socket.next()?.event
            XCTAssertEqual(value19, "broadcast")
            // Also accepted with a stale or null join_ref.
            try await socket.sendText(
                #"[null,"2002","realtime:x","broadcast",{"event":"TEST","payload":{},"type":"broadcast"}]"#)
            let value20 = try await socket.next()?.ref
            XCTAssertEqual(value20, "2002")
            await socket.close()
        }
    }

    func testBinaryPushWithAckAndSelf() async throws {
        try await withRelay { _, port in
            let socket = try await TestSocket.connect(port: port)
            try await socket.join("realtime:bin", ref: "1", config: JoinConfig(broadcastSelf: true, broadcastAck: true))
            let bytes: [UInt8] = [0xCA, 0xFE, 0xBA, 0xBE, 0x00, 0x11, 0x22, 0x33]
            try await socket.send(
                PhoenixMessage(
                    joinRef: "1", ref: "5", topic: "realtime:bin", event: "broadcast",
                    payload: .userBroadcast(UserBroadcast(event: "my-binary-event", payload: .binary(bytes)))))
            // The ack is a JSON text frame, then the kind-4 binary frame.
            guard case let .text(ack)? = await socket.nextFrame() else { return XCTFail("no text ack") }
            XCTAssertEqual(
                try JSONValue(parsing: ack),
                try JSONValue(parsing: #"["1","5","realtime:bin","phx_reply",{"status":"ok","response":{}}]"#))
            guard case let .binary(frame)? = await socket.nextFrame() else { return XCTFail("no binary broadcast") }
            XCTAssertEqual(frame.first, 4)
            XCTAssertEqual(
                try socket.serializer.decode(.binary(frame), direction: .serverToClient).payload,
                .userBroadcast(UserBroadcast(event: "my-binary-event", payload: .binary(bytes))))
            await socket.close()
        }
    }

    func testPresenceJoinStateTrackAndNonMapTrack() async throws {
        try await withRelay { _, port in
            let socket = try await TestSocket.connect(port: port)
            try await socket.sendText(
                #"["1","1","realtime:any","phx_join",{"config":{"presence":{"key":"","enabled":true},"private":false}}]"#
            )
            let value21 = try await socket.next()!
            XCTAssertEqual(status(of: value21), "ok")
            let value22 = try await socket.next()
            XCTAssertEqual(
                value22,
                PhoenixMessage(joinRef: "1", ref: nil, topic: "realtime:any", event: "presence_state", json: [:]))

            try await socket.sendText(
                #"["1","1001","realtime:any","presence",{"type":"presence","event":"TRACK","payload":{"name":"realtime_presence_96","t":1814.7000000029802}}]"#
            )
            let value23 = try await socket.next()
            XCTAssertEqual(
                value23,
                PhoenixMessage(
                    joinRef: "1", ref: "1001", topic: "realtime:any", event: "phx_reply",
                    json: ["status": "ok", "response": [:]]))
            let diff = try await socket.next()
            XCTAssertEqual(diff?.event, "presence_diff")
            XCTAssertNil(diff?.joinRef)
            let joins = PresenceDiff(json: diff?.json ?? [:]).joins.entries
            XCTAssertEqual(joins.count, 1)
            let meta = joins.values.first?.first
            XCTAssertEqual(meta?["name"], "realtime_presence_96")
            XCTAssertEqual(meta?["t"], .number(1814.7000000029802))
            XCTAssertEqual(meta?["phx_ref"]?.stringValue?.count, 12)
            XCTAssertNotNil(UUID(uuidString: joins.keys.first ?? ""), "an empty key becomes a UUID")

            try await socket.sendText(
                #"["1","1002","realtime:any","presence",{"type":"presence","event":"TRACK","payload":"not a map"}]"#)
            let refused = try await socket.next()!
            XCTAssertEqual(status(of: refused), "error")
            XCTAssertEqual(reason(of: refused), "Presence track payload must be a map")
            await socket.close()
        }
    }

    func testUnjoinedTopicAndEmptyTopicName() async throws {
        try await withRelay { _, port in
            let socket = try await TestSocket.connect(port: port)
            try await socket.sendText(#"["3","5","realtime:nope","broadcast",{"event":"e","payload":{}}]"#)
            let value24 = try await socket.next()
            XCTAssertEqual(
                value24,
                PhoenixMessage(
                    joinRef: nil, ref: "5", topic: "realtime:nope", event: "phx_reply",
                    json: ["status": "error", "response": ["reason": "unmatched topic"]]))
            let reply = try await socket.join("realtime:", ref: "6")
            XCTAssertEqual(reason(of: reply), "TopicNameRequired: You must provide a topic name")
            let other = try await socket.join("elsewhere", ref: "7")
            XCTAssertEqual(reason(of: other), "unmatched topic")
            await socket.close()
        }
    }

    func testDuplicateJoinClosesTheOldJoin() async throws {
        try await withRelay { _, port in
            let socket = try await TestSocket.connect(port: port)
            try await socket.join("realtime:dup", ref: "1")
            try await socket.send(
                PhoenixMessage(
                    joinRef: "4", ref: "4", topic: "realtime:dup", event: "phx_join", json: JoinConfig().joinPayload()))
            let value25 = try await socket.next()
            XCTAssertEqual(value25, .close(topic: "realtime:dup", joinRef: "1"))
            let reply = try await socket.next()
            XCTAssertEqual(reply?.ref, "4")
            XCTAssertEqual(reply.map(status(of:)) ?? nil, "ok")
            await socket.close()
        }
    }

    func testV1SocketsGetJSONBroadcastsFromKind3AndNothingForBinary() async throws {
        try await withRelay { _, port in
            let v1 = try await TestSocket.connect(port: port, vsn: .v1)
            let v2 = try await TestSocket.connect(port: port)
            try await v1.join("realtime:mixed", ref: "1")
            try await v2.join("realtime:mixed", ref: "1")
            try await v2.send(
                PhoenixMessage(
                    joinRef: "1", ref: "2", topic: "realtime:mixed", event: "broadcast",
                    payload: .userBroadcast(UserBroadcast(event: "yjs-update", payload: .json(["update": [1, 2, 3]])))))
            let received = try await v1.next()
            XCTAssertEqual(
                received,
                PhoenixMessage(
                    topic: "realtime:mixed", event: "broadcast",
                    json: ["type": "broadcast", "event": "yjs-update", "payload": ["update": [1, 2, 3]]]))
            try await v2.send(
                PhoenixMessage(
                    joinRef: "1", ref: "3", topic: "realtime:mixed", event: "broadcast",
                    payload: .userBroadcast(UserBroadcast(event: "yjs-update", payload: .binary([1, 2, 3])))))
            try await v1.expectSilence()
            // A JSON broadcast from V1 reaches V2 as a JSON array frame.
            try await v1.send(
                .broadcast(topic: "realtime:mixed", joinRef: "1", ref: "4", event: "cursor", payload: ["x": 1]))
            let value26 = try await v2.next()
            XCTAssertEqual(value26, .broadcast(topic: "realtime:mixed", event: "cursor", payload: ["x": 1]))
            await v1.close()
            await v2.close()
        }
    }
}
