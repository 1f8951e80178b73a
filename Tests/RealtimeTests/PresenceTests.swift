import Foundation
import RealtimeProtocol
import RelayServer
import XCTest

@testable import Realtime

/// Presence through the relay: two clients sharing the key `users` (the channel
/// contract of the web app), so one key holds several metas.
final class PresenceTests: XCTestCase {
    private let config = JoinConfig(presenceKey: "users", presenceEnabled: true)

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
        var state = try await waitForPresence(roomA, "ann and bob") { presenceNames($0) == ["ann", "bob"] }
        XCTAssertEqual(state.count, 1, "one key, several metas")
        let stateB = try await waitForPresence(roomB, "ann and bob on B") { presenceNames($0) == ["ann", "bob"] }
        XCTAssertEqual(Set(stateB["users"] ?? []), Set(state["users"] ?? []))

        // Re-tracking replaces A's meta: a join with phx_ref_prev and a leave of the old meta.
        try await roomA.track(["name": "ann", "typing": true])
        state = try await waitForPresence(roomB, "ann typing") { state in
            state["users"]?.contains { $0["typing"] == true } == true && state["users"]?.count == 2
        }
        XCTAssertEqual(presenceNames(state), ["ann", "bob"])
        try await eventsB.waitFor("leave of ann's old meta") {
            if case let .presence(.leave("users", current, left)) = $0 {
                return left.first?["name"] == "ann" && left.first?["typing"] == nil && current.count == 2
            }
            return false
        }

        try await roomA.untrack()
        try await eventsB.waitFor("ann's leave after untrack") {
            if case let .presence(.leave("users", current, left)) = $0 {
                return left.first?["typing"] == true && presenceNames(["users": current]) == ["bob"]
            }
            return false
        }
        state = try await waitForPresence(roomB, "only bob") { presenceNames($0) == ["bob"] }
        XCTAssertEqual(state["users"]?.count, 1)

        // A's socket going away is a leave for everything it tracked.
        try await roomA.track(["name": "ann"])
        _ = try await waitForPresence(roomB, "ann back") { presenceNames($0) == ["ann", "bob"] }
        await a.disconnect()
        _ = try await waitForPresence(roomB, "ann gone with her socket") { presenceNames($0) == ["bob"] }
        await b.disconnect()
        await relay.stop()
    }

    func testPresenceStateArrivesForALateJoiner() async throws {
        let relay = try await TestRelay.start()
        let (a, roomA, _) = try await joinedChannel(
            relay, "late", config: JoinConfig(presenceKey: "", presenceEnabled: true))
        try await roomA.track(["name": "ann"])
        let (b, roomB, eventsB) = try await joinedChannel(relay, "late", config: config)
        try await eventsB.waitFor("sync") { $0.isSync }
        let state = try await waitForPresence(roomB, "ann under a server-made key") { $0.count == 1 }
        let key = try XCTUnwrap(state.keys.first)
        XCTAssertFalse(key.isEmpty, "an empty presence key gets a server-assigned one")
        XCTAssertEqual(state[key]?.first?["name"], "ann")
        _ = roomB
        await a.disconnect()
        await b.disconnect()
        await relay.stop()
    }
}
