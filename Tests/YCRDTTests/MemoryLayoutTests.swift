import TestSupport
import XCTest

@testable import YCRDT

/// What a document holds after editing: the pieces of a split text run keep buffers their
/// own size (not the whole run's), and a document edited into a layout encodes exactly as
/// the same state loaded fresh.
final class MemoryLayoutTests: XCTestCase {
    /// Every string item's buffer holds at most twice its units (plus the room a short new
    /// item may get).
    private func assertStringBuffersFit(_ doc: Doc, file: StaticString = #filePath, line: UInt = #line) {
        var items = 0
        for (_, structs) in doc.store.clients {
            for s in structs {
                guard case let .string(units) = s.content else { continue }
                items += 1
                XCTAssertLessThanOrEqual(
                    units.capacity, 2 * units.count + 32, "item \(s.id) of \(units.count) units", file: file, line: line
                )
            }
        }
        XCTAssertGreaterThan(items, 1, file: file, line: line)
    }

    /// The state encodes the same after a round trip through a fresh document, and both
    /// hold the same text.
    private func assertRoundTrip(_ doc: Doc, file: StaticString = #filePath, line: UInt = #line) throws {
        let state = try doc.encodeStateAsUpdate()
        let fresh = Doc(clientID: 99)
        try fresh.applyUpdate(state)
        XCTAssertEqual(fresh.getText().toString(), doc.getText().toString(), file: file, line: line)
        XCTAssertEqual(try fresh.encodeStateAsUpdate(), state, file: file, line: line)
    }

    func testPiecesOfASplitPasteHoldBuffersTheirSize() throws {
        let doc = Doc(clientID: 1)
        let text = doc.getText()
        text.insert(String(repeating: "abcdefghij", count: 200), at: 0)
        // Each insert splits the run; working from the end keeps every left part large at
        // first, working from the start keeps every right part large.
        for at in stride(from: 1900, to: 0, by: -150) { text.insert("X", at: at) }
        for at in stride(from: 3, to: 1000, by: 97) { text.insert("Y", at: at) }
        assertStringBuffersFit(doc)
        try assertRoundTrip(doc)
    }

    func testPiecesOfATypedRunHoldBuffersTheirSize() throws {
        let doc = Doc(clientID: 1)
        let text = doc.getText()
        // Typing extends one item, whose buffer grows by doubling.
        for i in 0..<1500 { text.insert(String(UnicodeScalar(UInt8(97 + i % 26))), at: i) }
        text.delete(at: 700, length: 50)
        for at in [1400, 1000, 600, 300, 20] { text.insert("Z", at: at) }
        assertStringBuffersFit(doc)
        try assertRoundTrip(doc)
    }

    /// A split between the halves of a surrogate pair replaces both halves whichever part
    /// keeps the run's buffer.
    func testSurrogatePairSplitInEveryBufferCase() {
        for (prefix, suffix) in [(1, 1), (1, 300), (300, 1), (300, 300)] {
            let doc = Doc(clientID: 1)
            let text = doc.getText()
            let left = String(repeating: "l", count: prefix)
            let right = String(repeating: "r", count: suffix)
            text.insert(left + "😀" + right, at: 0)
            text.insert("X", at: prefix + 1)
            XCTAssertEqual(text.toString(), left + "\u{FFFD}X\u{FFFD}" + right, "prefix \(prefix), suffix \(suffix)")
        }
    }

    /// A document replayed through many splits, deletes and collected runs encodes
    /// byte for byte as its state loaded into a fresh document.
    func testReplayedLayoutEncodesAsTheLoadedOne() throws {
        var rng = SplitMix64(seed: 41)
        let doc = Doc(clientID: 3)
        let text = doc.getText()
        for _ in 0..<600 {
            let length = text.length
            let roll = rng.next() % 10
            if roll < 3, length > 10 {
                let at = Int(rng.next() % UInt64(length - 5))
                text.delete(at: at, length: 1 + Int(rng.next() % 5))
            } else if roll == 3 {
                let at = length == 0 ? 0 : Int(rng.next() % UInt64(length))
                text.insert(String(repeating: "paste ", count: 40), at: at)
            } else {
                let at = length == 0 ? 0 : Int(rng.next() % UInt64(length))
                text.insert("k", at: at)
            }
        }
        assertStringBuffersFit(doc)
        try assertRoundTrip(doc)
    }
}
