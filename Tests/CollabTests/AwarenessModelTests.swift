import Realtime
import RealtimeProtocol
import TestSupport
import XCTest
import YCRDT

@testable import Collab

final class AwarenessModelTests: XCTestCase {
    let start = ContinuousClock.now

    func testNewerClocksWinAndNullRemoves() throws {
        var model = AwarenessModel(localClientID: 1, now: start)
        var result = try model.apply(
            [AwarenessUpdate.Entry(clientID: 2, clock: 1, state: #"{"user":{"name":"سارة"}}"#)], now: start)
        XCTAssertTrue(result.changed)
        XCTAssertEqual(model.remoteStates[2]?["user"]?["name"], "سارة")

        // An older or equal clock with a state changes nothing.
        result = try model.apply(
            [AwarenessUpdate.Entry(clientID: 2, clock: 1, state: #"{"user":{"name":"x"}}"#)], now: start)
        XCTAssertFalse(result.changed)
        XCTAssertEqual(model.remoteStates[2]?["user"]?["name"], "سارة")

        // Equal clock with null removes a known state (y-protocols rule).
        result = try model.apply([AwarenessUpdate.Entry(clientID: 2, clock: 1, state: "null")], now: start)
        XCTAssertTrue(result.changed)
        XCTAssertNil(model.remoteStates[2])

        // A late duplicate of the old state cannot bring it back.
        result = try model.apply([AwarenessUpdate.Entry(clientID: 2, clock: 1, state: #"{"a":1}"#)], now: start)
        XCTAssertFalse(result.changed)
        XCTAssertNil(model.remoteStates[2])
    }

    func testARemoteNullForUsIsAnsweredByReannouncing() throws {
        var model = AwarenessModel(localClientID: 1, now: start)
        model.setLocalState(["user": ["name": "me"]], now: start)
        let before = model.localEntry.clock
        let result = try model.apply([AwarenessUpdate.Entry(clientID: 1, clock: before, state: "null")], now: start)
        XCTAssertTrue(result.reannounce)
        XCTAssertGreaterThan(model.localEntry.clock, before)
        XCTAssertNotEqual(model.localEntry.state, "null")
    }

    func testInvalidJSONRejectsTheWholeUpdate() {
        var model = AwarenessModel(localClientID: 1, now: start)
        XCTAssertThrowsError(
            try model.apply(
                [
                    AwarenessUpdate.Entry(clientID: 2, clock: 1, state: #"{"ok":true}"#),
                    AwarenessUpdate.Entry(clientID: 3, clock: 1, state: "{broken")
                ], now: start))
        XCTAssertTrue(model.remoteStates.isEmpty)
    }

    func testSilentClientsExpireAndTheLocalStateIsRenewed() throws {
        var model = AwarenessModel(localClientID: 1, timeout: .seconds(30), renewInterval: .seconds(15), now: start)
        model.setLocalState(["user": ["name": "me"]], now: start)
        _ = try model.apply([AwarenessUpdate.Entry(clientID: 2, clock: 4, state: "{}")], now: start)
        XCTAssertFalse(model.needsRenewal(now: start + .seconds(14)))
        XCTAssertTrue(model.needsRenewal(now: start + .seconds(15)))
        XCTAssertFalse(model.expire(now: start + .seconds(29)))
        XCTAssertTrue(model.expire(now: start + .seconds(30)))
        XCTAssertTrue(model.remoteStates.isEmpty)
        let clock = model.localEntry.clock
        model.renew(now: start + .seconds(15))
        XCTAssertEqual(model.localEntry.clock, clock + 1)
    }

    func testCursorsComeFromEditorBindingStates() throws {
        let identity = CollabIdentity(userID: "u1", name: "ليلى", color: "#FF0000")
        let state = AwarenessStateFormat.localState(
            identity: identity,
            cursor: CursorPosition(anchor: [0, 1, 4, 0], head: [1, 7] + Array("content".utf8) + [0x41]))
        XCTAssertEqual(state["cursor"]?["anchor"], ["item": ["client": 1, "clock": 4], "assoc": 0])
        let cursors = AwarenessStateFormat.cursors(from: [9: state, 3: ["user": ["name": "bare"]]])
        XCTAssertEqual(cursors.map(\.clientID), [3, 9])
        XCTAssertEqual(cursors[1].name, "ليلى")
        XCTAssertEqual(cursors[1].color, "#ff0000")
        XCTAssertEqual(cursors[1].position?.anchor, [0, 1, 4, 0])
        XCTAssertNil(cursors[0].position)
    }
}

final class PresenceRosterTests: XCTestCase {
    /// One entry per editor session: the same person in two terminals is "Zaid"
    /// and "Zaid (2)", numbered by when each came online, and only the asking
    /// session is marked as self.
    func testEverySessionIsListedNumberedPerPersonAndOnlyItselfIsSelf() {
        let state: [String: [JSONValue]] = [
            "users": [
                [
                    "user_id": "b", "name": "Zaid", "color": "#00ff00", "client_id": 21, "presence_ref": "r1",
                    "online_at": "2025-01-01T10:00:05Z"
                ],
                ["user_id": "a", "name": "amira", "client_id": 11, "presence_ref": "r2"],
                [
                    "user_id": "b", "name": "Zaid", "color": "#00ff00", "client_id": 20, "presence_ref": "r3",
                    "online_at": "2025-01-01T10:00:09Z"
                ]
            ],
            "other": [["presence_ref": "r4"]]
        ]
        let seenBy21 = PresenceRoster.users(from: state, selfClientID: 21)
        XCTAssertEqual(seenBy21.map(\.label), ["amira", "r4", "Zaid", "Zaid (2)"])
        XCTAssertEqual(seenBy21.map(\.clientID), [11, nil, 21, 20], "the earlier session is the first")
        XCTAssertEqual(seenBy21.filter(\.isSelf).map(\.label), ["Zaid"])
        XCTAssertEqual(seenBy21[0].color, UserColor.color(for: "a"))
        XCTAssertEqual(seenBy21[3].color, "#00ff00")
        let seenBy20 = PresenceRoster.users(from: state, selfClientID: 20)
        XCTAssertEqual(seenBy20.map(\.label), seenBy21.map(\.label), "every screen numbers alike")
        XCTAssertEqual(seenBy20.filter(\.isSelf).map(\.label), ["Zaid (2)"])
        XCTAssertEqual(PresenceRoster.clientIDs(in: state), [11, 20, 21])
    }

    func testColorsAreTheSameInEveryProcess() {
        // FNV-1a of "alice" — fixed, unlike Swift's seeded Hasher.
        XCTAssertEqual(UserColor.color(for: "alice"), UserColor.color(for: "alice"))
        XCTAssertTrue(UserColor.palette.contains(UserColor.color(for: "alice")))
        XCTAssertEqual(UserColor.normalized("ABCDEF"), "#abcdef")
        XCTAssertNil(UserColor.normalized("#abcdeg"))
    }
}

final class BroadcastRateLimiterTests: XCTestCase {
    func testAtMostTenInAnySecond() {
        var limiter = BroadcastRateLimiter(limit: 10)
        let t0 = ContinuousClock.now
        for i in 0..<10 {
            XCTAssertTrue(limiter.allows(at: t0 + .milliseconds(i)))
            limiter.record(at: t0 + .milliseconds(i))
        }
        XCTAssertFalse(limiter.allows(at: t0 + .milliseconds(500)))
        XCTAssertEqual(limiter.delay(at: t0 + .milliseconds(500)), .milliseconds(500))
        XCTAssertTrue(limiter.allows(at: t0 + .milliseconds(1000)))
    }
}

/// The awareness codec Collab uses (YCRDT's) against the y-protocols vectors.
final class AwarenessCodecTests: XCTestCase {
    func testEveryVectorDecodesAndReencodesByteForByte() throws {
        let file = try JSONValue(parsing: [UInt8](Fixtures.yjsVector("awareness.json")))
        let updates = try XCTUnwrap(file["awareness"]?["updates"]?.arrayValue)
        XCTAssertGreaterThan(updates.count, 3)
        for update in updates {
            let name = update["name"]?.stringValue ?? "?"
            let bytes = RelativePositionJSONTests.bytes(hex: try XCTUnwrap(update["hex"]?.stringValue))
            let entries = try AwarenessUpdate.decode(bytes).entries
            let clients = try XCTUnwrap(update["clients"]?.arrayValue).compactMap { $0.intValue }.map(UInt64.init)
            XCTAssertEqual(entries.map(\.clientID), clients, name)
            XCTAssertEqual(AwarenessUpdate(entries: entries).encode(), bytes, name)
            var model = AwarenessModel(localClientID: 999)
            XCTAssertNoThrow(try model.apply(entries, now: .now), name)
        }
    }

    func testTruncatedOrLyingUpdatesAreRefused() {
        for bytes: [UInt8] in [
            [], [0x01], [0x01, 0x01, 0x01], [0x01, 0x01, 0x01, 0x05, 0x7B], [0xFF, 0xFF, 0x01],
            [0x01, 0x01, 0x01, 0x02, 0xC3, 0x28], [0x00, 0x00]
        ] {
            XCTAssertThrowsError(try AwarenessUpdate.decode(bytes), "\(bytes)")
        }
    }
}
