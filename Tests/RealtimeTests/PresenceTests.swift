import Foundation
import RelayServer
import XCTest
@testable import Realtime

/// Presence through the relay: two clients sharing the key `users` (the channel
/// contract of the web app), so one key holds several metas.
final class PresenceTests: XCTestCase {
    private let config = JoinConfig(presenceKey: "users", presenceEnabled: true)

    private func names(_ state: [String: [JSONValue]], _ key: String = "users") -> [String] {
        (state[key] ?? []).compactMap { $0["name"]?.stringValue }.sorted()
    }

    /// Polls the channel's presence state until `condition` holds.
    private func waitForState(_ channel: RealtimeChannel, _ what: String, timeout: Duration = .seconds(15),
                              _ condition: ([String: [JSONValue]]) -> Bool) async throws -> [String: [JSONValue]] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let state = await channel.presenceState()
            if condition(state) { return state }
            try await Task.sleep(for: .milliseconds(10))
        }
        let state = await channel.presenceState()
        XCTFail("timed out waiting for \(what); state is \(state)")
        return state
    }

    func testSyncJoinAndLeaveWithSeveralMetasPerKey() async throws {
        let relay = try await TestRelay.start()
        let (a, roomA, eventsA) = try await joinedChannel(relay, "presence", config: config)
        let (b, roomB, eventsB) = try await joinedChannel(relay, "presence", config: config)
        // Every join is followed by presence_state and so by a sync.
        try await eventsA.waitFor("initial sync") { $0.isSync }
        try await eventsB.waitFor("initial sync") { $0.isSync }

        try await roomA.track(["name": "ann"])
        let joined = try await eventsB.waitFor("ann's join") {
            if case let .presence(.join("users", _, metas)) = $0 { return metas.first?["name"] == "ann" }
            return false
        }
        if case let .presence(.join(_, _, metas)) = joined {
            XCTAssertNotNil(metas.first?["presence_ref"]?.stringValue, "metas carry presence_ref")
            XCTAssertNil(metas.first?["phx_ref"], "phx_ref is hidden as in realtime-js")
        }

        try await roomB.track(["name": "bob"])
        var state = try await waitForState(roomA, "ann and bob") { self.names($0) == ["ann", "bob"] }
        XCTAssertEqual(state.count, 1, "one key, several metas")
        let stateB = try await waitForState(roomB, "ann and bob on B") { self.names($0) == ["ann", "bob"] }
        XCTAssertEqual(Set(stateB["users"] ?? []), Set(state["users"] ?? []))

        // Re-tracking replaces A's meta: a join with phx_ref_prev and a leave of the old meta.
        try await roomA.track(["name": "ann", "typing": true])
        state = try await waitForState(roomB, "ann typing") { state in
            state["users"]?.contains { $0["typing"] == true } == true && state["users"]?.count == 2
        }
        XCTAssertEqual(names(state), ["ann", "bob"])
        try await eventsB.waitFor("leave of ann's old meta") {
            if case let .presence(.leave("users", current, left)) = $0 {
                return left.first?["name"] == "ann" && left.first?["typing"] == nil && current.count == 2
            }
            return false
        }

        try await roomA.untrack()
        try await eventsB.waitFor("ann's leave after untrack") {
            if case let .presence(.leave("users", current, left)) = $0 {
                return left.first?["typing"] == true && self.names(["users": current]) == ["bob"]
            }
            return false
        }
        state = try await waitForState(roomB, "only bob") { self.names($0) == ["bob"] }
        XCTAssertEqual(state["users"]?.count, 1)

        // A's socket going away is a leave for everything it tracked.
        try await roomA.track(["name": "ann"])
        _ = try await waitForState(roomB, "ann back") { self.names($0) == ["ann", "bob"] }
        await a.disconnect()
        _ = try await waitForState(roomB, "ann gone with her socket") { self.names($0) == ["bob"] }
        await b.disconnect()
        await relay.stop()
    }

    func testPresenceStateArrivesForALateJoiner() async throws {
        let relay = try await TestRelay.start()
        let (a, roomA, _) = try await joinedChannel(relay, "late", config: JoinConfig(presenceKey: "", presenceEnabled: true))
        try await roomA.track(["name": "ann"])
        let (b, roomB, eventsB) = try await joinedChannel(relay, "late", config: config)
        try await eventsB.waitFor("sync") { $0.isSync }
        let state = try await waitForState(roomB, "ann under a server-made key") { $0.count == 1 }
        let key = try XCTUnwrap(state.keys.first)
        XCTAssertFalse(key.isEmpty, "an empty presence key gets a server-assigned one")
        XCTAssertEqual(state[key]?.first?["name"], "ann")
        _ = roomB
        await a.disconnect()
        await b.disconnect()
        await relay.stop()
    }
}
