import XCTest

@testable import RealtimeProtocol

final class SerializerTests: XCTestCase {
    let v1 = PhoenixSerializer(version: .v1)
    let v2 = PhoenixSerializer(version: .v2)

    private func hex(_ s: String) -> [UInt8] {
        let digits = s.filter { $0.isHexDigit }
        var out = [UInt8]()
        var i = digits.startIndex
        while i < digits.endIndex {
            let j = digits.index(i, offsetBy: 2)
            out.append(UInt8(digits[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    func testVersionNegotiation() throws {
        XCTAssertEqual(try SerializerVersion(vsn: nil), .v1)
        XCTAssertEqual(try SerializerVersion(vsn: "1.0.0"), .v1)
        XCTAssertEqual(try SerializerVersion(vsn: "2.0.0"), .v2)
        XCTAssertEqual(try SerializerVersion(vsn: "2.0.3"), .v2)
        for bad in ["3.0.0", "2.1.0", "2", "x.y.z", "2.0.0.0", "1.0.-1"] {
            XCTAssertThrowsError(try SerializerVersion(vsn: bad), bad)
        }
    }

    // MARK: docs/reference/realtime-protocol.md §10 canonical frames (V2 text)

    func testCanonicalHeartbeat() throws {
        let push = try v2.decode(.text(#"[null,"2","phoenix","heartbeat",{}]"#), direction: .clientToServer)
        XCTAssertEqual(push, PhoenixMessage.heartbeat(ref: "2"))
        let reply = try v2.encode(.reply(to: push), direction: .serverToClient)
        XCTAssertEqual(reply, .text(#"[null,"2","phoenix","phx_reply",{"response":{},"status":"ok"}]"#))
        XCTAssertEqual(
            try v2.decode(
                .text(#"[null,"2","phoenix","phx_reply",{"status":"ok","response":{}}]"#), direction: .serverToClient),
            try v2.decode(reply, direction: .serverToClient))
    }

    func testCanonicalJoinAndConfig() throws {
        let push = try v2.decode(
            .text(#"["1","1","realtime:any","phx_join",{"config":{"broadcast":{"self":true},"private":false}}]"#),
            direction: .clientToServer)
        XCTAssertEqual(push.joinRef, "1")
        XCTAssertEqual(push.ref, "1")
        XCTAssertEqual(push.topic, "realtime:any")
        XCTAssertEqual(push.event, PhoenixEvent.join)
        let config = JoinConfig(joinPayload: push.json!)
        XCTAssertTrue(config.broadcastSelf)
        XCTAssertFalse(config.broadcastAck)
        XCTAssertFalse(config.isPrivate)
        XCTAssertEqual(config.presenceKey, "")
        let reply = PhoenixMessage.reply(to: push, response: ["postgres_changes": []])
        XCTAssertEqual(
            try v2.encode(reply, direction: .serverToClient),
            .text(#"["1","1","realtime:any","phx_reply",{"response":{"postgres_changes":[]},"status":"ok"}]"#))
    }

    func testJoinConfigIsLenient() throws {
        let payload = try JSONValue(
            parsing:
                #"{"config":{"broadcast":{"self":"TRUE","ack":"nope"},"presence":{"key":42,"enabled":"true"},"private":"False"}}"#
        )
        let c = JoinConfig(joinPayload: payload)
        XCTAssertTrue(c.broadcastSelf)
        XCTAssertFalse(c.broadcastAck)
        XCTAssertTrue(c.presenceEnabled)
        XCTAssertEqual(c.presenceKey, "42")
        XCTAssertFalse(c.isPrivate)
        XCTAssertEqual(JoinConfig(joinPayload: "garbage"), JoinConfig())
        XCTAssertEqual(JoinConfig(joinPayload: c.joinPayload()), c)
        XCTAssertEqual(JoinConfig.accessToken(inJoinPayload: ["user_token": "t"]), "t")
    }

    func testCanonicalBroadcastAndPresenceFrames() throws {
        let b = try v2.decode(
            .text(#"["1","3","realtime:any","broadcast",{"event":"TEST","payload":{"msg":1},"type":"broadcast"}]"#),
            direction: .clientToServer)
        XCTAssertEqual(b, .broadcast(topic: "realtime:any", joinRef: "1", ref: "3", event: "TEST", payload: ["msg": 1]))
        var fanout = b
        fanout.joinRef = nil
        fanout.ref = nil
        XCTAssertEqual(
            try v2.encode(fanout, direction: .serverToClient),
            .text(#"[null,null,"realtime:any","broadcast",{"event":"TEST","payload":{"msg":1},"type":"broadcast"}]"#))

        let track = try v2.decode(
            .text(
                #"["1","1001","realtime:any","presence",{"type":"presence","event":"TRACK","payload":{"name":"realtime_presence_96","t":1814.7000000029802}}]"#
            ),
            direction: .clientToServer)
        XCTAssertEqual(track.json?["payload"]?["t"], .number(1814.7000000029802))
        let diff = try v2.decode(
            .text(
                #"[null,null,"realtime:any","presence_diff",{"joins":{"k":{"metas":[{"phx_ref":"F6lGnt3ZTnM=","name":"n"}]}},"leaves":{}}]"#
            ),
            direction: .serverToClient)
        let parsed = PresenceDiff(json: diff.json!)
        XCTAssertEqual(parsed.joins.entries["k"]?.first?["phx_ref"], "F6lGnt3ZTnM=")
        XCTAssertTrue(parsed.leaves.isEmpty)
        XCTAssertEqual(PresenceDiff(json: parsed.json), parsed)
    }

    func testCanonicalSystemCloseAndUnmatched() throws {
        let sys = PhoenixMessage.system(
            topic: "realtime:test", joinRef: "1", status: "error", message: RealtimeReason.clientPresenceRateLimit)
        XCTAssertEqual(
            try v2.encode(sys, direction: .serverToClient),
            .text(
                #"["1",null,"realtime:test","system",{"channel":"test","extension":"system","message":"Client presence rate limit exceeded","status":"error"}]"#
            ))
        XCTAssertEqual(
            try v2.encode(.close(topic: "realtime:t", joinRef: "1"), direction: .serverToClient),
            .text(#"["1","1","realtime:t","phx_close",{}]"#))
        let push = PhoenixMessage(joinRef: "3", ref: "5", topic: "realtime:nope", event: "broadcast", json: [:])
        XCTAssertEqual(
            try v2.encode(
                .errorReply(to: push, reason: RealtimeReason.unmatchedTopic, joinRef: .some(nil)),
                direction: .serverToClient),
            .text(#"[null,"5","realtime:nope","phx_reply",{"response":{"reason":"unmatched topic"},"status":"error"}]"#)
        )
    }

    // MARK: V1

    func testV1ServerFramesOmitJoinRef() throws {
        let m = PhoenixMessage(
            joinRef: "1", ref: "3", topic: "realtime:room", event: "phx_reply", json: ["status": "ok", "response": [:]])
        XCTAssertEqual(
            try v1.encode(m, direction: .serverToClient),
            .text(#"{"event":"phx_reply","payload":{"response":{},"status":"ok"},"ref":"3","topic":"realtime:room"}"#))
        let c = try v1.encode(m, direction: .clientToServer)
        XCTAssertEqual(try v1.decode(c, direction: .clientToServer), m)
    }

    func testV1RequiresRefKey() throws {
        XCTAssertThrowsError(
            try v1.decode(.text(#"{"topic":"phoenix","event":"heartbeat","payload":{}}"#), direction: .clientToServer))
        let m = try v1.decode(
            .text(#"{"topic":"phoenix","event":"heartbeat","payload":{},"ref":null}"#), direction: .clientToServer)
        XCTAssertNil(m.ref)
        XCTAssertNil(m.joinRef)
    }

    func testV1UserBroadcastBecomesJSONBroadcast() throws {
        let m = PhoenixMessage(
            topic: "realtime:r", event: "broadcast",
            payload: .userBroadcast(UserBroadcast(event: "e", payload: .json([1, 2]))))
        XCTAssertEqual(
            try v1.encode(m, direction: .serverToClient),
            .text(
                #"{"event":"broadcast","payload":{"event":"e","payload":[1,2],"type":"broadcast"},"ref":null,"topic":"realtime:r"}"#
            ))
        let bin = PhoenixMessage(
            topic: "realtime:r", event: "broadcast",
            payload: .userBroadcast(UserBroadcast(event: "e", payload: .binary([1]))))
        XCTAssertThrowsError(try v1.encode(bin, direction: .serverToClient))
        XCTAssertThrowsError(try v1.decode(.binary([4, 0, 0, 0, 0]), direction: .serverToClient))
    }

    // MARK: Binary frames (docs/reference/realtime-protocol.md §2.3 byte vectors)

    func testKind3BinaryVector() throws {
        let bytes = hex("03 02 03 05 0A 00 00 3132 313233 746F706963 757365725F6576656E74 656667")
        let m = try v2.decode(.binary(bytes), direction: .clientToServer)
        XCTAssertEqual(
            m,
            PhoenixMessage(
                joinRef: "12", ref: "123", topic: "topic", event: "broadcast",
                payload: .userBroadcast(UserBroadcast(event: "user_event", payload: .binary(Array("efg".utf8))))))
        XCTAssertEqual(try v2.encode(m, direction: .clientToServer), .binary(bytes))
    }

    func testKind3JSONVectorFromRealtimeJS() throws {
        let bytes = hex("03 02 01 03 0A 00 01") + Array(#"101topuser-event{"a":"b"}"#.utf8)
        let m = try v2.decode(.binary(bytes), direction: .clientToServer)
        XCTAssertEqual(m.joinRef, "10")
        XCTAssertEqual(m.ref, "1")
        XCTAssertEqual(m.topic, "top")
        XCTAssertEqual(m.payload, .userBroadcast(UserBroadcast(event: "user-event", payload: .json(["a": "b"]))))
        XCTAssertEqual(try v2.encode(m, direction: .clientToServer), .binary(bytes))
    }

    func testKind4Vectors() throws {
        let withMeta = hex("04 05 0A 11 00") + Array(#"topicuser_event{"replayed":true}efg"#.utf8)
        let m = try v2.decode(.binary(withMeta), direction: .serverToClient)
        XCTAssertEqual(
            m,
            PhoenixMessage(
                topic: "topic", event: "broadcast",
                payload: .userBroadcast(
                    UserBroadcast(
                        event: "user_event", payload: .binary(Array("efg".utf8)),
                        metadata: ["replayed": true]))))
        XCTAssertEqual(try v2.encode(m, direction: .serverToClient), .binary(withMeta))

        let json = hex("04 05 0A 00 01") + Array(#"topicuser_event{"a":"b"}"#.utf8)
        let j = try v2.decode(.binary(json), direction: .serverToClient)
        XCTAssertEqual(j.payload, .userBroadcast(UserBroadcast(event: "user_event", payload: .json(["a": "b"]))))
        XCTAssertEqual(try v2.encode(j, direction: .serverToClient), .binary(json))
    }

    func testKind1ReplyVector() throws {
        let bytes = hex("01 02 03 05 02 3132 313233 746F706963 6F6B") + [0xDE, 0xAD]
        let m = try v2.decode(.binary(bytes), direction: .serverToClient)
        XCTAssertEqual(
            m,
            PhoenixMessage(
                joinRef: "12", ref: "123", topic: "topic", event: "phx_reply",
                payload: .binaryReply(status: "ok", response: [0xDE, 0xAD])))
        XCTAssertEqual(m.replyStatus?.status, "ok")
        XCTAssertEqual(try v2.encode(m, direction: .serverToClient), .binary(bytes))
    }

    func testKinds0And2RoundTrip() throws {
        let push = PhoenixMessage(joinRef: "1", ref: "2", topic: "t", event: "e", payload: .binary([9, 8]))
        let c2s = try v2.encode(push, direction: .clientToServer)
        XCTAssertEqual(c2s, .binary([0, 1, 1, 1, 1] + Array("12te".utf8) + [9, 8]))
        XCTAssertEqual(try v2.decode(c2s, direction: .clientToServer), push)

        let serverPush = PhoenixMessage(joinRef: "1", ref: nil, topic: "t", event: "e", payload: .binary([7]))
        let s2c = try v2.encode(serverPush, direction: .serverToClient)
        XCTAssertEqual(s2c, .binary([0, 1, 1, 1] + Array("1te".utf8) + [7]))
        XCTAssertEqual(try v2.decode(s2c, direction: .serverToClient), serverPush)

        let broadcast = PhoenixMessage(topic: "t", event: "e", payload: .binary([]))
        let k2 = try v2.encode(broadcast, direction: .serverToClient)
        XCTAssertEqual(k2, .binary([2, 1, 1] + Array("te".utf8)))
        XCTAssertEqual(try v2.decode(k2, direction: .serverToClient), broadcast)
    }

    func testEveryKindRoundTripsWithUnicodeAndEmptyFields() throws {
        let messages: [(PhoenixMessage, FrameDirection)] = [
            (
                PhoenixMessage(
                    joinRef: nil, ref: nil, topic: "realtime:غرفة", event: "broadcast",
                    payload: .userBroadcast(UserBroadcast(event: "yjs-update", payload: .binary(Array(0...255))))),
                .clientToServer
            ),
            (
                PhoenixMessage(
                    topic: "realtime:غرفة", event: "broadcast",
                    payload: .userBroadcast(
                        UserBroadcast(event: "x", payload: .json(["update": "AAE="]), metadata: ["id": "u"]))),
                .serverToClient
            ),
            (
                PhoenixMessage(
                    joinRef: "7", ref: "8", topic: "realtime:a", event: "presence",
                    json: ["type": "presence", "event": "track", "payload": ["user": "آن"]]), .clientToServer
            )
        ]
        for (m, d) in messages {
            XCTAssertEqual(try v2.decode(try v2.encode(m, direction: d), direction: d), m)
        }
    }

    func testFieldOver255BytesIsRefused() {
        let m = PhoenixMessage(
            topic: String(repeating: "t", count: 256), event: "broadcast",
            payload: .userBroadcast(UserBroadcast(event: "e", payload: .binary([]))))
        XCTAssertThrowsError(try v2.encode(m, direction: .serverToClient)) { error in
            XCTAssertEqual(error as? RealtimeProtocolError, .fieldTooLong(field: "topic", length: 256))
        }
    }

    // MARK: Malformed input

    func testMalformedTextFrames() {
        let bad = [
            #""just a string""#, #"{"topic":"t"}"#, #"["1","1","t","e"]"#, #"[1.5,"1","t","e",{}]"#,
            #"["1","1",3,"e",{}]"#, #"["1","1","t",null,{}]"#, #"["1","1","t","e","not an object"]"#, "not json"
        ]
        for text in bad {
            XCTAssertThrowsError(try v2.decode(.text(text), direction: .clientToServer), text)
        }
        // Extra trailing elements are accepted, as the server does.
        XCTAssertNoThrow(try v2.decode(.text(#"["1","1","t","e",{},"extra"]"#), direction: .clientToServer))
        // Integer refs are read as their text.
        XCTAssertEqual(try v2.decode(.text(#"[1,2,"t","e",{}]"#), direction: .clientToServer).ref, "2")
    }

    func testMalformedBinaryFrames() {
        let cases: [[UInt8]] = [
            [], [3], [3, 1, 1, 1, 1, 0, 0], [3, 0, 0, 0, 0, 0, 2], [9, 0, 0], [1, 0, 0, 0, 0],
            [4, 0, 0, 0, 0], [3, 0, 0, 1, 0, 0, 1, 0xFF], [3, 0, 0, 0, 0, 0, 1] + Array("{".utf8),
            [3, 0, 0, 0, 0, 1, 0] + Array("x".utf8)
        ]
        for bytes in cases {
            XCTAssertThrowsError(try v2.decode(.binary(bytes), direction: .clientToServer), "\(bytes)")
        }
    }

    func testFrameSizeLimit() {
        let small = PhoenixSerializer(version: .v2, maxFrameBytes: 10)
        XCTAssertThrowsError(
            try small.decode(.text(#"[null,"2","phoenix","heartbeat",{}]"#), direction: .clientToServer)
        ) { error in
            XCTAssertEqual(error as? RealtimeProtocolError, .frameTooLarge(size: 35, limit: 10))
        }
    }

    func testRandomBytesNeverTrap() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let count = Int.random(in: 0..<40, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if !bytes.isEmpty { bytes[0] = UInt8.random(in: 0...5, using: &rng) }
            _ = try? v2.decode(.binary(bytes), direction: .clientToServer)
            _ = try? v2.decode(.binary(bytes), direction: .serverToClient)
            _ = try? v2.decode(.text(String(decoding: bytes, as: UTF8.self)), direction: .clientToServer)
        }
    }
}
