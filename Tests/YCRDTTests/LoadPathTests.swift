import TestSupport
import XCTest

@testable import YCRDT

/// The load path moves the items of an update decoded for one `applyUpdate` call into the
/// document instead of copying them, and leaves what it took as skips in the update. What
/// it cannot integrate yet is kept pending from the same arrays: these tests check that the
/// pending part still holds the real structs, by comparing with the path that only reads
/// (a `ParsedUpdate`) and with a document that received everything in order.
final class LoadPathTests: XCTestCase {
    /// Three writers: 1 types, 2 continues after 1's text, 3 types once at the start
    /// (depends on 1 only) and once after 2's text (depends on 2). An update holding 1's
    /// and 3's structs but not 2's integrates 1's and 3's first struct, and must keep 3's
    /// second struct pending; once 2's update arrives, everything is in place.
    func testStructsLeftPendingAfterTakenOnesAreTheUpdatesOwn() throws {
        let one = Doc(clientID: 1)
        one.getText().insert("hello", at: 0)
        let two = Doc(clientID: 2)
        try two.applyUpdate(try one.encodeStateAsUpdate())
        two.getText().insert(" world", at: 5)
        let three = Doc(clientID: 3)
        try three.applyUpdate(try two.encodeStateAsUpdate())
        let before = three.encodeStateVector()
        three.getText().insert(">> ", at: 0)
        three.getText().insert("!", at: three.getText().length)
        three.getText().insert("?", at: three.getText().length)
        let threeOnly = try three.encodeStateAsUpdate(since: before)
        let twoOnly = try two.encodeStateAsUpdate(since: one.encodeStateVector())
        let withoutTwo = try YUpdate.merge([try one.encodeStateAsUpdate(), threeOnly])

        let taken = Doc(clientID: 10)
        try taken.applyUpdate(withoutTwo)
        let read = Doc(clientID: 11)
        try read.applyUpdate(try ParsedUpdate(withoutTwo))
        XCTAssertTrue(taken.hasPending)
        XCTAssertEqual(taken.getText().toString(), ">> hello")
        XCTAssertEqual(try taken.encodeStateAsUpdate(), try read.encodeStateAsUpdate())

        try taken.applyUpdate(twoOnly)
        try read.applyUpdate(twoOnly)
        XCTAssertFalse(taken.hasPending)
        XCTAssertEqual(taken.getText().toString(), ">> hello world!?")
        XCTAssertEqual(try taken.encodeStateAsUpdate(), try three.encodeStateAsUpdate())
        XCTAssertEqual(try read.encodeStateAsUpdate(), try three.encodeStateAsUpdate())
    }

    /// The same bytes loaded through both paths give byte-identical documents, and the
    /// bytes are left as they were (the taking path works on its own decoded copy).
    func testTakingAndReadingLoadsAgree() throws {
        let source = Doc(clientID: 7)
        let text = source.getText()
        var generator = SplitMix64(seed: 31)  // seeded: a failure replays
        for step in 0..<300 {
            let at = Int.random(in: 0...text.length, using: &generator)
            text.insert(step % 7 == 0 ? "é\u{1F600}" : "ab", at: at)
            if step % 5 == 0, text.length > 4 { text.delete(at: text.length / 3, length: 2) }
        }
        let state = try source.encodeStateAsUpdate()
        let copy = state
        let taken = Doc(clientID: 8)
        try taken.applyUpdate(state)
        let read = Doc(clientID: 9)
        try read.applyUpdate(try ParsedUpdate(state))
        XCTAssertEqual(state, copy)
        XCTAssertEqual(try taken.encodeStateAsUpdate(), state)
        XCTAssertEqual(try read.encodeStateAsUpdate(), state)
        XCTAssertEqual(taken.getText().toString(), text.toString())
    }

    /// `getItemCleanEnd` reads the list of the store's last client through its cached
    /// reference: asked in turn for two clients' ids, each inside a run, it must split the
    /// run of the id's own client and return the part ending at the id.
    func testCleanEndLookupsAlternatingClientsSplitTheRightRun() throws {
        let one = Doc(clientID: 1)
        one.getText().insert("abcdef", at: 0)
        let two = Doc(clientID: 2)
        try two.applyUpdate(try one.encodeStateAsUpdate())
        two.getText().insert("uvwxyz", at: 6)
        let doc = Doc(clientID: 3)
        try doc.applyUpdate(try two.encodeStateAsUpdate())
        let store = doc.store
        XCTAssertEqual(store.list(1)?.count, 1)
        XCTAssertEqual(store.list(2)?.count, 1)
        for (client, clock, expected) in [(1, 1, "ab"), (2, 2, "uvw"), (1, 3, "cd"), (2, 4, "xy")] {
            _ = store.list(client == 1 ? 2 : 1)  // the cache holds the other client
            let item = try XCTUnwrap(store.getItemCleanEnd(nil, ID(client: ClientID(client), clock: clock)))
            XCTAssertEqual(item.id.client, ClientID(client))
            XCTAssertEqual(item.lastID.clock, clock)
            guard case let .string(units) = item.content else { return XCTFail("\(item.id) is not text") }
            XCTAssertEqual(String(decoding: units, as: UTF16.self), expected)
        }
        XCTAssertEqual(store.list(1)?.count, 3)
        XCTAssertEqual(store.list(2)?.count, 3)
        XCTAssertNil(store.getItemCleanEnd(nil, ID(client: 9, clock: 0)))
        XCTAssertEqual(doc.getText().toString(), "abcdefuvwxyz")
    }
}
