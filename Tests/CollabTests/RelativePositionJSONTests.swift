import Foundation
import Realtime
import RealtimeProtocol
import TestSupport
import XCTest
import YCRDT

@testable import Collab

/// Checks the JSON ↔ binary conversion against every case of the Yjs vectors.
final class RelativePositionJSONTests: XCTestCase {
    func testEveryVectorCaseConvertsBothWays() throws {
        let file = try JSONValue(parsing: [UInt8](Fixtures.yjsVector("relpos.json")))
        let cases = try XCTUnwrap(file["cases"]?.arrayValue)
        XCTAssertGreaterThan(cases.count, 3)
        for entry in cases {
            let name = entry["name"]?.stringValue ?? "?"
            let hex = try XCTUnwrap(entry["hex"]?.stringValue)
            let json = try XCTUnwrap(entry["json"])
            let bytes = Self.bytes(hex: hex)
            // Older encoders left `assoc` out; Qalam always writes it.
            let legacy = entry["note"] != nil && name.hasPrefix("legacy")
            XCTAssertEqual(RelativePositionJSON.encoded(fromJSON: json), legacy ? bytes + [0] : bytes, name)
            // Yjs's JSON names the type even when the binary form drops it; the
            // binary form must survive the trip through JSON.
            let back = try XCTUnwrap(RelativePositionJSON.json(fromEncoded: bytes), name)
            XCTAssertEqual(RelativePositionJSON.encoded(fromJSON: back), legacy ? bytes + [0] : bytes, name)
            XCTAssertEqual(back["assoc"], json["assoc"] ?? 0, name)
        }
    }

    func testNullFieldsFromEditorBindingsAreAccepted() throws {
        // y-codemirror style: every field present, unused ones null.
        let json = try JSONValue(parsing: #"{"type":null,"tname":"content","item":{"client":1,"clock":4},"assoc":0}"#)
        XCTAssertEqual(RelativePositionJSON.encoded(fromJSON: json), [0, 1, 4, 0])
        let end = try JSONValue(parsing: #"{"tname":"content","item":null,"assoc":-1}"#)
        XCTAssertEqual(RelativePositionJSON.encoded(fromJSON: end), [1, 7] + Array("content".utf8) + [0x41])
    }

    func testWholeNumbersWrittenWithAFractionAreIntegers() throws {
        // lib0 has one number type: a peer writing 4.0 means the clock 4.
        let json = try JSONValue(parsing: #"{"item":{"client":1.0,"clock":4.0},"assoc":-1.0}"#)
        XCTAssertEqual(RelativePositionJSON.encoded(fromJSON: json), [0, 1, 4, 0x41])
        XCTAssertNil(
            RelativePositionJSON.encoded(fromJSON: try JSONValue(parsing: #"{"item":{"client":1.5,"clock":4}}"#)))
        XCTAssertEqual(
            JSONValue(AnyValue(try JSONValue(parsing: #"{"a":[1,2.5,"x",null,true]}"#))),
            try JSONValue(parsing: #"{"a":[1,2.5,"x",null,true]}"#))
    }

    func testGarbageIsUnusableNotACrash() throws {
        for text in [
            #"{}"#, #"{"item":{"client":-1,"clock":0}}"#, #"{"item":{"client":"x"}}"#, #"[1]"#, #"{"tname":5}"#
        ] {
            XCTAssertNil(RelativePositionJSON.encoded(fromJSON: try JSONValue(parsing: text)), text)
        }
        for bytes: [UInt8] in [[], [3], [0, 1], [1, 9, 65], [0, 1, 2, 0, 0], [0xFF]] {
            XCTAssertNil(RelativePositionJSON.json(fromEncoded: bytes), "\(bytes)")
        }
    }

    static func bytes(hex: String) -> [UInt8] {
        var out = [UInt8]()
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }
}
