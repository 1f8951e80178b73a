import TestSupport
import XCTest

@testable import RealtimeProtocol

final class JSONValueTests: XCTestCase {
    func testParsesEveryKind() throws {
        let v = try JSONValue(parsing: #" {"a":[1,-2,3.5,1e2,true,false,null,"x\u00e9\n"],"b":{}} "#)
        XCTAssertEqual(v["a"]?[0], .integer(1))
        XCTAssertEqual(v["a"]?[1], .integer(-2))
        XCTAssertEqual(v["a"]?[2], .number(3.5))
        XCTAssertEqual(v["a"]?[3]?.doubleValue, 100)
        XCTAssertEqual(v["a"]?[4], .bool(true))
        XCTAssertEqual(v["a"]?[5], .bool(false))
        XCTAssertEqual(v["a"]?[6], .null)
        XCTAssertEqual(v["a"]?[7], .string("xé\n"))
        XCTAssertEqual(v["b"], .object([:]))
    }

    func testIntegersStayExact() throws {
        let big = try JSONValue(parsing: "9007199254740993")
        XCTAssertEqual(big, .integer(9_007_199_254_740_993))
        XCTAssertEqual(big.jsonString, "9007199254740993")
        XCTAssertEqual(JSONValue.integer(3), JSONValue.number(3.0))
        XCTAssertEqual(Set([JSONValue.integer(3), .number(3.0)]).count, 1)
    }

    func testDoublesRoundTrip() throws {
        for text in ["1814.7000000029802", "0.1", "-2.5e-07", "1.5e+300"] {
            let v = try JSONValue(parsing: text)
            XCTAssertEqual(try JSONValue(parsing: v.jsonString), v, text)
        }
        XCTAssertEqual(JSONValue.number(3.0).jsonString, "3")
        XCTAssertEqual(JSONValue.number(.nan).jsonString, "null")
    }

    func testSurrogatePairsAndLoneSurrogates() throws {
        XCTAssertEqual(try JSONValue(parsing: #""\ud83d\ude00""#), .string("😀"))
        XCTAssertEqual(try JSONValue(parsing: #""a\ud800b""#), .string("a\u{FFFD}b"))
    }

    func testStringEscapingRoundTrips() throws {
        let s = JSONValue.string("q\"\\/\u{1}\t\nمرحبا")
        XCTAssertEqual(try JSONValue(parsing: s.jsonString), s)
    }

    func testEveryByteThatNeedsAnEscapeIsEscapedAndTheRunsBetweenAreCopied() throws {
        var text = "start"
        var expected = "\"start"
        for byte in UInt8(0)..<0x20 {
            text += String(UnicodeScalar(byte)) + "مر"
            switch byte {
            case 0x08: expected += "\\b"
            case 0x09: expected += "\\t"
            case 0x0A: expected += "\\n"
            case 0x0C: expected += "\\f"
            case 0x0D: expected += "\\r"
            default: expected += String(format: "\\u%04x", byte)
            }
            expected += "مر"
        }
        text += "\"\\\"\"/end 😀"
        expected += "\\\"\\\\\\\"\\\"/end 😀\""
        XCTAssertEqual(JSONValue.string(text).jsonString, expected)
        XCTAssertEqual(JSONValue.string("").jsonString, "\"\"")
        XCTAssertEqual(JSONValue.string("\n").jsonString, "\"\\n\"")
    }

    func testRandomStringsRoundTrip() throws {
        var random = SplitMix64(seed: 0x15)
        let alphabet: [Character] = ["a", "\"", "\\", "\n", "\u{1}", "\u{1F}", " ", "م", "ـ", "😀", "/", "\u{7F}"]
        for _ in 0..<2000 {
            let length = Int(random.next() % 40)
            let text = String((0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            let value = JSONValue.object([text: .string(text)])
            XCTAssertEqual(try JSONValue(parsing: value.jsonBytes), value, text.debugDescription)
        }
    }

    func testByteArrays() {
        let v = JSONValue(bytes: [0, 1, 255])
        XCTAssertEqual(v.jsonString, "[0,1,255]")
        XCTAssertEqual(v.byteArrayValue, [0, 1, 255])
        XCTAssertNil(JSONValue.array([256]).byteArrayValue)
        XCTAssertNil(JSONValue.array([1.5]).byteArrayValue)
    }

    func testSortedKeysAreDeterministic() {
        let v: JSONValue = ["b": 1, "a": [true, nil], "c": "x"]
        XCTAssertEqual(v.jsonString, #"{"a":[true,null],"b":1,"c":"x"}"#)
    }

    func testMalformedJSONIsRefused() {
        let bad = [
            "", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "\"abc", "[1] x", "{\"a\":1,}",
            "\"\u{1}\"", "\"\\x\"", "\"\\u12\"", "NaN", "[\"a\"", "1e", "{1:2}"
        ]
        for text in bad {
            XCTAssertThrowsError(try JSONValue(parsing: text), text) { error in
                guard case RealtimeProtocolError.invalidJSON = error else { return XCTFail("\(text): \(error)") }
            }
        }
        // Invalid UTF-8 inside a string.
        XCTAssertThrowsError(try JSONValue(parsing: [0x22, 0xFF, 0x22]))
    }

    func testDepthIsBounded() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertThrowsError(try JSONValue(parsing: deep))
        XCTAssertNoThrow(
            try JSONValue(parsing: String(repeating: "[", count: 100) + String(repeating: "]", count: 100)))
    }

    func testCodableMatchesFoundation() throws {
        let v: JSONValue = ["n": 1, "d": 2.5, "s": "x", "a": [nil, false]]
        let data = try JSONEncoder().encode(v)
        XCTAssertEqual(try JSONDecoder().decode(JSONValue.self, from: data), v)
        XCTAssertEqual(try JSONValue(parsing: Array(data)), v)
    }
}
