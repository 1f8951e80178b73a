import XCTest

@testable import YCRDT

final class ProtocolVectorTests: XCTestCase {
    func testAwarenessUpdatesRoundTrip() throws {
        let root = try Vectors.load("awareness.json")
        let updates = root["awareness"]!["updates"]!.arrayValue
        XCTAssertEqual(updates.count, 6)
        for u in updates {
            let bytes = hex(u["hex"]!.stringValue!)
            let decoded = try AwarenessUpdate.decode(bytes)
            XCTAssertEqual(
                decoded.entries.map(\.clientID), u["clients"]!.arrayValue.map { ClientID($0.intValue!) },
                u["name"]!.stringValue!)
            XCTAssertEqual(decoded.encode(), bytes, u["name"]!.stringValue!)
        }
        let removal = try AwarenessUpdate.decode(hex(updates[4]["hex"]!.stringValue!))
        XCTAssertTrue(removal.entries[0].isRemoval)
        XCTAssertEqual(removal.entries[0].clientID, 3_000_000_000)
        let fresh = AwarenessUpdate(entries: [(clientID: 1, clock: 0, state: "{}")])
        XCTAssertEqual(hex(fresh.encode()), updates[0]["hex"]!.stringValue!)
    }

    func testSyncMessages() throws {
        let msgs = try Vectors.load("awareness.json")["sync"]!.arrayValue
        var byName: [String: [UInt8]] = [:]
        for m in msgs { byName[m["name"]!.stringValue!] = hex(m["hex"]!.stringValue!) }
        let doc = Doc(clientID: 1)
        doc.getText().insert("hi", at: 0)
        XCTAssertEqual(SyncMessage.step1(stateVector: doc.encodeStateVector()).encode(), byName["sync_step1"])
        let reply = try SyncMessage.step1(stateVector: [0]).reply(from: doc)
        XCTAssertEqual(reply?.encode(), byName["sync_step2_full"])
        XCTAssertEqual(
            try SyncMessage.step1(stateVector: doc.encodeStateVector()).reply(from: doc)?.encode(),
            byName["sync_step2_nothing_missing"])
        for name in ["sync_step1", "sync_step2_full", "sync_step2_nothing_missing", "update"] {
            let b = byName[name]!
            XCTAssertEqual(try SyncMessage.decode(b).encode(), b, name)
        }
        if case let .update(u) = try SyncMessage.decode(byName["update"]!) {
            let other = Doc(clientID: 5)
            try other.applyUpdate(try doc.encodeStateAsUpdate())
            try other.applyUpdate(u)
            XCTAssertEqual(other.getText().toString(), "hi!")
        } else {
            XCTFail("update message")
        }
        for name in ["y_websocket_framed_step1", "y_websocket_framed_awareness"] {
            let b = byName[name]!
            XCTAssertEqual(try ProviderMessage.decode(b).encode(), b, name)
        }
        XCTAssertThrowsError(try SyncMessage.decode([0x05, 0x00]))
        XCTAssertThrowsError(try SyncMessage.decode([0x02, 0x05, 0x01]))
        XCTAssertThrowsError(try AwarenessUpdate.decode([0x01, 0x01, 0x00, 0x02, 0x7b]))
    }
}
