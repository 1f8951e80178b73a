import RealtimeProtocol
import XCTest

@testable import Realtime

/// The presence state machine against the behaviour of phoenix `presence.js`
/// (docs/reference/realtime-protocol.md §6.3): joins before leaves, earlier metas kept in front, diffs queued
/// until the state of the current join arrives.
final class PresenceSyncTests: XCTestCase {
    private func meta(_ ref: String, _ name: String, prev: String? = nil) -> JSONValue {
        var o: [String: JSONValue] = ["phx_ref": .string(ref), "name": .string(name)]
        if let prev { o["phx_ref_prev"] = .string(prev) }
        return .object(o)
    }

    private func entries(_ pairs: [(String, [JSONValue])]) -> JSONValue {
        var o: [String: JSONValue] = [:]
        for (key, metas) in pairs { o[key] = ["metas": .array(metas)] }
        return .object(o)
    }

    private func diff(joins: [(String, [JSONValue])] = [], leaves: [(String, [JSONValue])] = []) -> JSONValue {
        ["joins": entries(joins), "leaves": entries(leaves)]
    }

    private func names(_ sync: PresenceSync, _ key: String) -> [String] {
        (sync.view[key] ?? []).compactMap { $0["name"]?.stringValue }
    }

    func testStateThenDiffKeepsSeveralMetasPerKey() throws {
        var sync = PresenceSync()
        let first = try sync.applyState(entries([("users", [meta("r1", "ann")])]), joinRef: "1")
        XCTAssertEqual(
            first,
            [
                .join(key: "users", current: [], joined: [["name": "ann", "presence_ref": "r1"]]),
                .sync
            ])
        let second = try sync.applyDiff(diff(joins: [("users", [meta("r2", "bob")])]), joinRef: "1")
        XCTAssertEqual(
            second,
            [
                .join(
                    key: "users", current: [["name": "ann", "presence_ref": "r1"]],
                    joined: [["name": "bob", "presence_ref": "r2"]]),
                .sync
            ])
        XCTAssertEqual(names(sync, "users"), ["ann", "bob"])
        // The public view carries presence_ref and hides phx_ref / phx_ref_prev.
        XCTAssertEqual(sync.view["users"]?.first, ["name": "ann", "presence_ref": "r1"])
    }

    func testUpdateWithPhxRefPrevReplacesTheMetaInPlace() throws {
        var sync = PresenceSync()
        _ = try sync.applyState(entries([("users", [meta("r1", "ann"), meta("r2", "bob")])]), joinRef: "1")
        // The server reports a re-track as a join of the new meta and a leave of the old one.
        let events = try sync.applyDiff(
            diff(
                joins: [("users", [meta("r3", "ann2", prev: "r1")])],
                leaves: [("users", [meta("r1", "ann")])]), joinRef: "1")
        XCTAssertEqual(names(sync, "users"), ["bob", "ann2"])
        XCTAssertEqual(events.count, 3)
        guard case let .join(key, current, joined) = events[0], case let .leave(_, remaining, left) = events[1] else {
            return XCTFail("expected join then leave, got \(events)")
        }
        XCTAssertEqual(key, "users")
        XCTAssertEqual(current.count, 2)
        XCTAssertEqual(joined, [["name": "ann2", "presence_ref": "r3"]])
        XCTAssertEqual(remaining.map { $0["name"]?.stringValue }, ["bob", "ann2"])
        XCTAssertEqual(left, [["name": "ann", "presence_ref": "r1"]])
        XCTAssertEqual(events[2], .sync)
    }

    func testLeaveOfLastMetaRemovesTheKey() throws {
        var sync = PresenceSync()
        _ = try sync.applyState(entries([("a", [meta("r1", "ann")]), ("b", [meta("r2", "bob")])]), joinRef: "1")
        let events = try sync.applyDiff(diff(leaves: [("a", [meta("r1", "ann")])]), joinRef: "1")
        XCTAssertEqual(events, [.leave(key: "a", current: [], left: [["name": "ann", "presence_ref": "r1"]]), .sync])
        XCTAssertNil(sync.view["a"])
        XCTAssertEqual(Set(sync.view.keys), ["b"])
        // A leave for a key that is not there changes nothing and reports nothing but sync.
        XCTAssertEqual(try sync.applyDiff(diff(leaves: [("zed", [meta("r9", "zed")])]), joinRef: "1"), [.sync])
    }

    func testDiffsBeforeTheStateOfTheCurrentJoinAreQueued() throws {
        var sync = PresenceSync()
        XCTAssertTrue(sync.isPendingSync(joinRef: "1"))
        XCTAssertEqual(try sync.applyDiff(diff(joins: [("b", [meta("r2", "bob")])]), joinRef: "1"), [])
        XCTAssertTrue(sync.view.isEmpty)
        let events = try sync.applyState(entries([("a", [meta("r1", "ann")])]), joinRef: "1")
        XCTAssertEqual(events.map(Self.kind), ["join a", "join b", "sync"])
        XCTAssertEqual(Set(sync.view.keys), ["a", "b"])
        XCTAssertFalse(sync.isPendingSync(joinRef: "1"))
        // A rejoin (new join ref) queues again until its own presence_state.
        XCTAssertTrue(sync.isPendingSync(joinRef: "7"))
        XCTAssertEqual(try sync.applyDiff(diff(leaves: [("a", [meta("r1", "ann")])]), joinRef: "7"), [])
        XCTAssertEqual(Set(sync.view.keys), ["a", "b"])
    }

    func testStateAfterRejoinReportsOnlyWhatChanged() throws {
        var sync = PresenceSync()
        _ = try sync.applyState(
            entries([
                ("a", [meta("r1", "ann")]), ("b", [meta("r2", "bob")]),
                ("c", [meta("r3", "cy"), meta("r4", "cy2")])
            ]), joinRef: "1")
        let events = try sync.applyState(
            entries([
                ("a", [meta("r1", "ann")]), ("c", [meta("r4", "cy2"), meta("r5", "cy3")]),
                ("d", [meta("r6", "dee")])
            ]), joinRef: "2")
        XCTAssertEqual(events.map(Self.kind), ["join c", "join d", "leave b", "leave c", "sync"])
        XCTAssertEqual(names(sync, "c"), ["cy2", "cy3"])
        XCTAssertEqual(Set(sync.view.keys), ["a", "c", "d"])
    }

    func testMalformedPayloadsAreRefusedAndChangeNothing() throws {
        var sync = PresenceSync()
        _ = try sync.applyState(entries([("a", [meta("r1", "ann")])]), joinRef: "1")
        let before = sync
        XCTAssertThrowsError(try sync.applyDiff("not an object", joinRef: "1"))
        XCTAssertThrowsError(try sync.applyDiff(["joins": ["x": ["metas": [["name": "no ref"]]]]], joinRef: "1"))
        XCTAssertThrowsError(try sync.applyDiff(["joins": ["x": ["metas": "nope"]]], joinRef: "1"))
        // One bad entry among good ones: nothing of the diff is applied.
        XCTAssertThrowsError(
            try sync.applyDiff(
                ["joins": ["good": ["metas": [meta("r2", "bob")]], "bad": ["metas": [1]]]],
                joinRef: "1"))
        XCTAssertThrowsError(try sync.applyState([1, 2], joinRef: "2"))
        XCTAssertEqual(sync, before)
    }

    private static func kind(_ change: PresenceChange) -> String {
        switch change {
        case .sync: return "sync"
        case let .join(key, _, _): return "join \(key)"
        case let .leave(key, _, _): return "leave \(key)"
        }
    }
}
