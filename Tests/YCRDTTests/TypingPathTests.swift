import TestSupport
import XCTest

@testable import YCRDT

/// Typing through the `String` API takes its units straight from the string (and extends
/// the item on the left in place); these check it against the same edits given as UTF-16
/// arrays, which build the units first.
final class TypingPathTests: XCTestCase {
    func testStringInsertsEmitTheSameUpdatesAsUnitArrays() {
        let pieces = ["a", "b", " ", "é", "😀", "مر", "xyz", "\u{0301}", "ab😀c", "\n", "Z"]
        var rng = SplitMix64(seed: 12)
        let viaString = Doc(clientID: 7)
        let viaUnits = Doc(clientID: 7)
        var fromString: [[UInt8]] = []
        var fromUnits: [[UInt8]] = []
        viaString.onUpdate { u, _ in fromString.append(u) }
        viaUnits.onUpdate { u, _ in fromUnits.append(u) }
        let a = viaString.getText()
        let b = viaUnits.getText()
        for step in 0..<400 {
            let piece = pieces[Int(rng.next() % UInt64(pieces.count))]
            // Mostly typing at a cursor that moves on with the text, sometimes a jump or a delete.
            let length = a.length
            let roll = rng.next() % 10
            if roll == 0, length > 2 {
                let at = Int(rng.next() % UInt64(length - 1))
                a.delete(at: at, length: 2)
                b.delete(at: at, length: 2)
                continue
            }
            let at = roll < 7 ? length : Int(rng.next() % UInt64(length + 1))
            a.insert(piece, at: at)
            b.insert(Array(piece.utf16), at: at, attributes: nil)
            XCTAssertEqual(fromString.last, fromUnits.last, "step \(step): \(piece) at \(at)")
        }
        XCTAssertEqual(fromString, fromUnits)
        XCTAssertEqual(a.toUTF16(), b.toUTF16())
        XCTAssertEqual(try viaString.encodeStateAsUpdate(), try viaUnits.encodeStateAsUpdate())
    }
}
