import Collab
import Foundation
import Realtime
import TestSupport
import XCTest
import YCRDT

/// Presence (who is online) and awareness (where their cursors are) between editors.
final class PresenceCursorTests: XCTestCase {
    func testOnlineUsersAndCursorsAppearMoveAndGoAway() async throws {
        let relay = try await TestRelay.start()
        let document = freshDocument()
        let a = try TestEditor(relay: relay.url, document: document, name: "ليلى")
        let b = try TestEditor(relay: relay.url, document: document, name: "Bob")
        await a.start()
        await b.start()
        await eventually("both see two people") {
            let (ua, ub) = (await a.onlineUsers, await b.onlineUsers)
            return ua.count == 2 && ub.count == 2
        }
        let seenByB = await b.onlineUsers
        XCTAssertEqual(seenByB.map(\.name), ["Bob", "ليلى"])
        XCTAssertEqual(seenByB.filter(\.isSelf).map(\.name), ["Bob"])
        XCTAssertEqual(seenByB[1].color, UserColor.color(for: "user-ليلى"))
        XCTAssertEqual(seenByB[1].clientID, a.clientID)

        await a.insert("مرحبا world")
        await eventually { await b.string() == "مرحبا world" }
        // A's caret before "world" (index 6), as a relative position.
        await a.provider.setCursor(await a.cursorPosition(at: 6))
        await eventually("B sees A's cursor at 6") {
            guard let cursor = await b.cursors.first(where: { $0.clientID == a.clientID }),
                let anchor = cursor.position?.anchor
            else { return false }
            return await b.resolve(anchor) == 6
        }
        // A remote insert before it moves it along in B's view: it is anchored to a character.
        await b.insert("> ", at: 0)
        await eventually("the cursor follows its character") {
            guard let anchor = await b.cursors.first(where: { $0.clientID == a.clientID })?.position?.anchor else {
                return false
            }
            return await b.resolve(anchor) == 8
        }

        // A leaves: presence and cursor go at once (no 30 s ghost).
        await a.stop()
        await eventually("A is gone from B's panel and cursors") {
            let (users, cursors) = (await b.onlineUsers, await b.cursors)
            return users.map(\.name) == ["Bob"] && cursors.isEmpty
        }
        await b.stop()
        await relay.stop()
    }

    /// A newcomer sees the carets already there at once, not at their owners'
    /// next move or renewal (15 s).
    func testANewcomerSeesEveryCaretAlreadyThere() async throws {
        let relay = try await TestRelay.start()
        let document = freshDocument()
        let a = try TestEditor(relay: relay.url, document: document, name: "a")
        await a.start()
        await a.insert("hello world")
        _ = await a.waitUntilSynced()
        await a.provider.setCursor(await a.cursorPosition(at: 6))
        // Long enough for A's one announcement to have gone out to nobody.
        try await Task.sleep(for: .milliseconds(600))
        let b = try TestEditor(relay: relay.url, document: document, name: "b")
        await b.start()
        let joined = ContinuousClock.now
        await eventually(timeout: .seconds(5), "B sees A's caret") {
            await b.cursors.contains { $0.clientID == a.clientID && $0.position != nil }
        }
        let waited = ContinuousClock.now - joined
        XCTAssertLessThan(waited, .seconds(3), "seen after \(waited), not at the renewal")
        await a.stop()
        await b.stop()
        await relay.stop()
    }

    /// Two terminals of one person: two sessions, each marking itself.
    func testTwoSessionsOfOnePersonCountTwiceAndEachMarksItself() async throws {
        let relay = try await TestRelay.start()
        let document = freshDocument()
        let first = try TestEditor(relay: relay.url, document: document, name: "sam")
        await first.start()
        try await Task.sleep(for: .milliseconds(1100))  // online_at has whole seconds
        let second = try TestEditor(relay: relay.url, document: document, name: "sam")
        await second.start()
        await eventually("both see two sessions") {
            let (one, two) = (await first.onlineUsers, await second.onlineUsers)
            return one.count == 2 && two.count == 2
        }
        let seenByFirst = await first.onlineUsers
        let seenBySecond = await second.onlineUsers
        XCTAssertEqual(seenByFirst.map(\.label), ["sam", "sam (2)"])
        XCTAssertEqual(seenBySecond.map(\.label), ["sam", "sam (2)"])
        XCTAssertEqual(seenByFirst.filter(\.isSelf).map(\.label), ["sam"])
        XCTAssertEqual(seenBySecond.filter(\.isSelf).map(\.label), ["sam (2)"])
        await first.stop()
        await second.stop()
        await relay.stop()
    }

    func testSilentAwarenessExpiresAndIsRenewed() async throws {
        let relay = try await TestRelay.start()
        let document = freshDocument()
        let quick = fastProviderConfiguration {
            $0.awarenessTimeout = .seconds(2)
            $0.awarenessRenewInterval = .seconds(1)
            $0.awarenessCheckInterval = .milliseconds(200)
        }
        let a = try TestEditor(relay: relay.url, document: document, name: "a", configuration: quick)
        let b = try TestEditor(relay: relay.url, document: document, name: "b", configuration: quick)
        await a.start()
        await b.start()
        await eventually { await b.cursors.contains { $0.clientID == a.clientID } }
        // Renewals keep A alive well past the timeout.
        try await Task.sleep(for: .seconds(3))
        let stillThere = await b.cursors.contains { $0.clientID == a.clientID }
        XCTAssertTrue(stillThere, "a renewed awareness state expired")
        let renewals = await a.provider.currentStatistics.sent["yjs-awareness"] ?? 0
        XCTAssertGreaterThanOrEqual(renewals, 2)
        await a.stop()
        await b.stop()
        await relay.stop()
    }
}
