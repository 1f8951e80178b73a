import TestSupport
import XCTest

@testable import YCRDT

/// The encoder's one-write paths (strings narrowed eight units at a time, a delete set's
/// ranges in one reservation) write exactly what the plain definitions say: a varUint
/// length and `TextEncoder`'s UTF-8 (a lone surrogate as U+FFFD), and each range's clock
/// and length as varUints.
final class EncoderWriteTests: XCTestCase {

    /// A varString as its definition writes it, one byte at a time.
    private func reference(_ units: ArraySlice<UInt16>) -> [UInt8] {
        let utf8 = Array(String(decoding: units, as: UTF16.self).utf8)
        var e = Lib0Encoder()
        e.writeVarUInt(utf8.count)
        for byte in utf8 { e.writeUInt8(byte) }
        return e.bytes
    }

    private func written(_ units: ArraySlice<UInt16>) -> [UInt8] {
        var e = Lib0Encoder()
        e.writeVarString(utf16: units)
        return e.bytes
    }

    func testEveryPositionOfANonASCIIUnitInShortStrings() {
        // Lengths around the eight-unit steps, with the one unit that is not ASCII at each
        // place (and none): the step that finds it must give way to the general writer.
        for length in 0...41 {
            for place in -1..<length {
                for other: UInt16 in [0x80, 0x627, 0xFFFF, 0xD83D, 0xDE00, 0x7F00] {
                    var units = (0..<length).map { UInt16(0x20 + $0 % 90) }
                    if place >= 0 { units[place] = other }
                    XCTAssertEqual(written(units[...]), reference(units[...]), "length \(length), \(other) at \(place)")
                }
            }
        }
    }

    func testUnalignedSlicesAndLongStrings() {
        var rng = SplitMix64(seed: 12)
        let alphabet: [UInt16] = [0x41, 0x7A, 0x20, 0x0A, 0x7F, 0x627, 0x644, 0xE9, 0x20AC, 0xD83D, 0xDE00, 0xDC00]
        for round in 0..<400 {
            // Long strings take the measured path; every slice start tries another alignment.
            let length = round % 4 == 0 ? Int.random(in: 1000...3000, using: &rng) : Int.random(in: 0...70, using: &rng)
            let asciiOnly = round % 3 != 0
            let units = (0..<length).map { _ -> UInt16 in
                asciiOnly
                    ? UInt16.random(in: 0...0x7F, using: &rng) : alphabet.randomElement(using: &rng)!
            }
            let start = Int.random(in: 0...min(7, units.count), using: &rng)
            XCTAssertEqual(written(units[start...]), reference(units[start...]), "round \(round)")
        }
    }

    func testAStringItemIsItsHeaderAndVarString() {
        let units: [UInt16] = Array("abc defgh ijklmnop سلام xyz".utf16)
        let origin = ID(client: 0x1234_5678, clock: 300)
        let right = ID(client: 7, clock: 0)
        var expected = Lib0Encoder()
        expected.writeUInt8(0x84 | 0x40)
        origin.write(to: &expected)
        right.write(to: &expected)
        for byte in reference(units[3...]) { expected.writeUInt8(byte) }
        var e = Lib0Encoder()
        units.withUnsafeBufferPointer { buf in
            e.writeStringItem(
                info: 0x84 | 0x40, origin: origin, rightOrigin: right, units: UnsafeBufferPointer(rebasing: buf[3...]))
        }
        XCTAssertEqual(e.bytes, expected.bytes)
    }

    func testRangesInOneWriteMatchTheirVarUInts() {
        var rng = SplitMix64(seed: 5)
        for round in 0..<300 {
            // Unsorted, as a decoded delete set may be, with clocks and lengths of every size.
            let ranges = (0..<Int.random(in: 0...40, using: &rng)).map { _ in
                DeleteSet.Range(
                    clock: Int.random(in: 0...(1 << Int.random(in: 0...40, using: &rng)), using: &rng),
                    len: Int.random(in: 1...(1 << Int.random(in: 1...30, using: &rng)), using: &rng))
            }
            var expected = Lib0Encoder()
            expected.writeVarUInt(ranges.count)
            for r in ranges {
                expected.writeVarUInt(r.clock)
                expected.writeVarUInt(r.len)
            }
            var e = Lib0Encoder()
            e.writeUInt8(9)  // not at the buffer's start
            e.writeRanges(ranges)
            XCTAssertEqual(Array(e.bytes.dropFirst()), expected.bytes, "round \(round)")
        }
    }

    func testAReusedBufferRegrowsInPlace() {
        // Every transaction's update is handed out with `bytes` (which trims the buffer to
        // what was written) and the next one regrows it: in its kept capacity, not in a new
        // allocation per transaction.
        var e = Lib0Encoder()
        e.writeBytes([UInt8](repeating: 7, count: 3000))
        _ = e.bytes
        let kept = e.capacity
        e.reset()
        e.writeBytes([UInt8](repeating: 8, count: 10))
        XCTAssertEqual(e.bytes, [UInt8](repeating: 8, count: 10))
        e.reset()
        e.writeBytes([UInt8](repeating: 9, count: 500))
        XCTAssertEqual(e.capacity, kept)
        XCTAssertEqual(e.bytes, [UInt8](repeating: 9, count: 500))
    }

    func testVarUIntSizeIsTheBytesWritten() {
        var values: [UInt64] = [0, 1, 0x7F, 0x80, 0x3FFF, 0x4000, UInt64.max, UInt64.max >> 1]
        for shift in 0..<64 { values += [1 << UInt64(shift), (1 << UInt64(shift)) - 1] }
        for v in values {
            var e = Lib0Encoder()
            e.writeVarUInt(v)
            XCTAssertEqual(Lib0Encoder.varUIntSize(v), e.count, "\(v)")
        }
    }

    func testAWholeStateIsPresizedAndUnchanged() throws {
        // A document of long and short, ASCII and Arabic runs, with deletions: its state
        // loads back to the same text and encodes to the same bytes again.
        let doc = Doc(clientID: 3)
        let text = doc.getText("content")
        var rng = SplitMix64(seed: 9)
        let pieces = ["hello ", "سلام عليكم ", String(repeating: "long run of text ", count: 90), "😀", "é"]
        for _ in 0..<300 {
            let length = text.length
            if length > 10, Int.random(in: 0..<4, using: &rng) == 0 {
                let at = Int.random(in: 0..<(length - 5), using: &rng)
                text.delete(at: at, length: Int.random(in: 1...5, using: &rng))
            } else {
                text.insert(pieces.randomElement(using: &rng)!, at: Int.random(in: 0...length, using: &rng))
            }
        }
        let state = try doc.encodeStateAsUpdate()
        let loaded = Doc(clientID: 4)
        try loaded.applyUpdate(state)
        XCTAssertEqual(loaded.getText("content").toString(), text.toString())
        XCTAssertEqual(try loaded.encodeStateAsUpdate(), state)
    }
}
