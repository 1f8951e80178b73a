import XCTest

@testable import YCRDT

/// Invariants of the struct store that the performance shortcuts rely on.
final class StoreInvariantTests: XCTestCase {
    /// The state vector the store keeps up to date must equal the one its structs imply,
    /// through local typing, deletes (GC), splits, merges and remote updates that arrive
    /// out of order (pending) and then complete.
    func testCachedStateVectorMatchesTheStructs() throws {
        func implied(_ store: StructStore) -> [ClientID: Int] {
            var sv: [ClientID: Int] = [:]
            for (c, s) in store.clients { if let last = s.last { sv[c] = last.id.clock + last.length } }
            return sv
        }
        let a = Doc(clientID: 1)
        let b = Doc(clientID: 2)
        var fromA: [[UInt8]] = []
        a.onUpdate { u, _ in fromA.append(u) }
        let ta = a.getText()
        let tb = b.getText()
        ta.insert("hello world, typed as one paste", at: 0)
        for (i, ch) in " and then by hand".enumerated() { ta.insert(String(ch), at: 31 + i) }
        ta.delete(at: 5, length: 7)
        ta.insert("X", at: 3)  // splits an item
        ta.format(at: 0, length: 4, attributes: ["bold": .bool(true)])
        XCTAssertEqual(a.store.stateVector, implied(a.store))
        // Out of order: everything but the first update is pending until it arrives.
        for u in fromA.dropFirst() { try b.applyUpdate(u) }
        XCTAssertTrue(b.hasPending)
        XCTAssertEqual(b.store.stateVector, implied(b.store))
        try b.applyUpdate(fromA[0])
        XCTAssertFalse(b.hasPending)
        XCTAssertEqual(b.store.stateVector, implied(b.store))
        XCTAssertEqual(tb.toString(), ta.toString())
        tb.insert("!", at: tb.length)
        XCTAssertEqual(b.store.stateVector, implied(b.store))
        XCTAssertEqual(b.encodeStateVector(), StateVector.encode(implied(b.store)))
    }

    /// Typing at the end of a large item appends to it in place and keeps one struct.
    func testTypingAfterALargePasteKeepsOneStruct() {
        let doc = Doc(clientID: 3)
        let text = doc.getText()
        let paste = String(repeating: "abcdefghij", count: 20_000)
        text.insert(paste, at: 0)
        for i in 0..<200 { text.insert("x", at: 200_000 + i) }
        XCTAssertEqual(doc.store.clients[3]?.count, 1)
        XCTAssertEqual(text.length, 200_200)
        XCTAssertEqual(text.toString(), paste + String(repeating: "x", count: 200))
    }
}
