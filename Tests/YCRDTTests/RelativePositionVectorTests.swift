import XCTest

@testable import YCRDT

final class RelativePositionVectorTests: XCTestCase {
    func testRelposVectors() throws {
        let cases = try Vectors.load("relpos.json")["cases"]!.arrayValue
        XCTAssertEqual(cases.count, 17)
        for c in cases {
            let name = c["name"]!.stringValue!
            let bytes = hex(c["hex"]!.stringValue!)
            let wantJSON = c["json"]!
            let decoded = try RelativePosition(decoding: bytes)
            let fromJSON = try RelativePosition(json: wantJSON)
            XCTAssertEqual(decoded.item, fromJSON.item, name)
            XCTAssertEqual(decoded.assoc, fromJSON.assoc, name)
            guard let docUpdate = c["doc_update"]?.stringValue else {
                // Binary/JSON-only cases: re-encoding the JSON form gives the bytes (with assoc).
                if name == "from_json_type_id" { XCTAssertEqual(hex(fromJSON.encode()), hex(bytes), name) }
                continue
            }
            let doc = Doc(clientID: 999_999_999)
            try doc.applyUpdate(hex(docUpdate))
            let branch = try XCTUnwrap(typeBranch(doc, c["type"]!), name)
            let rpos = RelativePosition(branch: branch, index: c["index"]!.intValue!, assoc: c["assoc"]!.intValue!)
            XCTAssertEqual(hex(rpos.encode()), hex(bytes), "\(name): binary")
            XCTAssertTrue(try JSONText.parse(rpos.jsonText).jsEquals(wantJSON), "\(name): JSON \(rpos.jsonText)")
            XCTAssertEqual(
                rpos.resolve(in: doc)?.index, c["index"]!.intValue!, "\(name): resolves to its index before the change")
            if let after = c["after_update"]?.stringValue { try doc.applyUpdate(hex(after)) }
            if let t = c["text_after"]?.stringValue { XCTAssertEqual(doc.getText().toString(), t, name) }
            XCTAssertEqual(
                decoded.resolve(in: doc)?.index, c["resolved_index_after"]!.intValue!, "\(name): resolved after")
        }
    }

    private func typeBranch(_ doc: Doc, _ type: AnyValue) -> Branch? {
        if let root = type["root"]?.stringValue { return doc.getText(root).branch }
        guard let map = type["map"]?.stringValue, let key = type["key"]?.stringValue,
            let item = doc.rootBranch(map).map[key], case let .type(b) = item.content
        else { return nil }
        return b
    }

    func testCursorFollowsConcurrentEdits() throws {
        let a = Doc(clientID: 1)
        let b = Doc(clientID: 2)
        a.getText().insert("hello world", at: 0)
        try b.applyUpdate(try a.encodeStateAsUpdate())
        let cursor = RelativePosition(text: a.getText(), index: 6)  // before "world"
        b.getText().insert("مرحبا ", at: 0)
        try a.applyUpdate(try b.encodeStateAsUpdate(since: a.encodeStateVector()))
        XCTAssertEqual(cursor.absoluteIndex(in: a), 12)
        let roundTrip = try RelativePosition(decoding: cursor.encode())
        XCTAssertEqual(roundTrip.absoluteIndex(in: b), 12)
        XCTAssertThrowsError(try RelativePosition(decoding: [0x07]))
        XCTAssertThrowsError(try RelativePosition(decoding: [0x00, 0x01]))
    }
}
