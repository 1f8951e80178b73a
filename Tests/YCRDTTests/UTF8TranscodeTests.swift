import TestSupport
import XCTest

@testable import YCRDT

/// The hand-written UTF-8 → UTF-16 transcoder agrees with the standard library's
/// strict decoder on every input: the same units for valid UTF-8, a refusal for
/// anything else.
final class UTF8TranscodeTests: XCTestCase {

    /// What `Unicode.UTF8` makes of `bytes`, or nil where it finds an error.
    private func reference(_ bytes: [UInt8]) -> [UInt16]? {
        var it = bytes.makeIterator()
        var decoder = Unicode.UTF8()
        var out: [UInt16] = []
        while true {
            switch decoder.decode(&it) {
            case let .scalarValue(s): out.append(contentsOf: Character(s).utf16)
            case .emptyInput: return out
            case .error: return nil
            }
        }
    }

    private func transcoded(_ bytes: [UInt8]) -> [UInt16]? {
        bytes.withUnsafeBufferPointer { UTF.transcode($0) }
    }

    func testEdgesOfEveryByteClass() {
        let cases: [[UInt8]] = [
            [0xC2, 0x80], [0xDF, 0xBF], [0xC0, 0x80], [0xC1, 0xBF],  // overlong two-byte forms
            [0xE0, 0xA0, 0x80], [0xE0, 0x9F, 0xBF],  // the first three-byte form; an overlong one
            [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],  // before and in the surrogates
            [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF],
            [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF],
            [0x80], [0xBF, 0x41], [0xD8, 0xA7], [0xD8], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
            [0x41, 0xF0, 0x9F, 0x98, 0x80, 0x42], Array("سلام ✓ 😀 abc".utf8)
        ]
        for bytes in cases {
            XCTAssertEqual(transcoded(bytes), reference(bytes), "\(bytes.map { String($0, radix: 16) })")
        }
    }

    func testRandomInputsAgreeWithTheStandardLibrary() {
        var rng = SplitMix64(seed: 7)
        let pieces: [[UInt8]] = [
            Array("a".utf8), Array("ب".utf8), Array("€".utf8), Array("😀".utf8), [0x80], [0xC0], [0xED, 0xA0],
            [0xF4, 0x90], [0xE0], [0xF0], [0xFF], [0xC3]
        ]
        var valid = 0
        for _ in 0..<20000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 1...12, using: &rng) {
                // Mostly valid text with an occasional bad byte or cut sequence.
                let piece =
                    Int.random(in: 0..<10, using: &rng) < 8
                    ? pieces[Int.random(in: 0..<4, using: &rng)] : pieces.randomElement(using: &rng)!
                bytes += piece
            }
            let expected = reference(bytes)
            if expected != nil { valid += 1 }
            XCTAssertEqual(transcoded(bytes), expected, "\(bytes.map { String($0, radix: 16) })")
        }
        XCTAssertGreaterThan(valid, 2000)
        XCTAssertLessThan(valid, 19000)
    }

    /// The ASCII path (`UTF.isASCII`, then `UTF.WidenedASCII` into the array) reads the
    /// input in vector steps: a non-ASCII byte or sequence at every position around those
    /// steps, from every alignment of the input, must send it to the strict transcoder, and
    /// ASCII must be widened exactly.
    func testASCIIFastPathAtEveryPositionAndAlignment() {
        var rng = SplitMix64(seed: 11)
        let foreign: [[UInt8]] = [[0x80], [0xC3, 0xA9], [0xFF], [0xE2, 0x82, 0xAC], [0xC3], [0xF0, 0x9F, 0x98, 0x80]]
        var checked = 0
        for length in 0...41 {
            for start in 0..<8 {
                let ascii = (0..<(start + length)).map { _ in UInt8.random(in: 0...0x7F, using: &rng) }
                checkASCIIPath(ascii[start...])
                checked += 1
                for pos in 0..<length {
                    var bytes = ascii
                    bytes.replaceSubrange((start + pos)..<(start + pos + 1), with: foreign.randomElement(using: &rng)!)
                    checkASCIIPath(bytes[start...])
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 7000)
    }

    /// Checks the ASCII helpers and the whole conversion on `slice`, read in place (its
    /// start is wherever it falls in its array: unaligned for most starts).
    private func checkASCIIPath(_ slice: ArraySlice<UInt8>) {
        let bytes = Array(slice)
        let firstForeign = bytes.firstIndex { $0 >= 0x80 } ?? bytes.count
        slice.withUnsafeBufferPointer { buf in
            XCTAssertEqual(UTF.isASCII(buf), firstForeign == bytes.count, "\(bytes)")
            XCTAssertEqual(UTF.utf16(fromUTF8: buf), reference(bytes), "\(bytes)")
        }
    }
}
