import XCTest

@testable import YCRDT

/// An update parsed once and applied to several documents gives each of them
/// what its bytes would, and the documents share nothing mutable.
final class ParsedUpdateTests: XCTestCase {
    /// Every scripted Yjs case, its updates parsed once and applied to two
    /// observers in turn: both end byte-identical to Yjs's own final state.
    func testEveryVectorCaseAppliedToTwoDocsFromOneParseMatchesYjs() throws {
        let cases = try XCTUnwrap(try UpdatesVectorTests.root.get()["cases"]?.arrayValue)
        XCTAssertEqual(cases.count, 72)
        for c in cases {
            let name = c["name"]!.stringValue!
            let gc = c["gc"]?.boolValue ?? true
            let first = Doc(clientID: 999_999_999, gc: gc)
            let second = Doc(clientID: 999_999_998, gc: gc)
            for u in c["updates"]!.arrayValue {
                let parsed = try ParsedUpdate(hex(u["hex"]!.stringValue!))
                try first.applyUpdate(parsed, origin: "remote")
                try second.applyUpdate(parsed, origin: "remote")
            }
            let expected = c["state_as_update"]!.stringValue!
            XCTAssertEqual(hex(try first.encodeStateAsUpdate()), expected, "\(name): first doc")
            XCTAssertEqual(hex(try second.encodeStateAsUpdate()), expected, "\(name): second doc")
            XCTAssertEqual(first.getText("content").toString(), c["final_text"]!.stringValue!, name)
            XCTAssertEqual(second.getText("content").toString(), c["final_text"]!.stringValue!, name)
        }
    }

    /// A nested type is a `Branch` object: each document must get its own, or
    /// the second document's items would be linked into the first's list.
    func testEachDocumentGetsItsOwnNestedTypes() throws {
        let cases = try XCTUnwrap(try UpdatesVectorTests.root.get()["cases"]?.arrayValue)
        let nested = try XCTUnwrap(cases.first { $0["name"]?.stringValue == "nested_types" })
        let parsed = try ParsedUpdate(hex(nested["state_as_update"]!.stringValue!))
        let first = Doc(clientID: 1)
        let second = Doc(clientID: 2)
        try first.applyUpdate(parsed)
        try second.applyUpdate(parsed)
        func branches(_ doc: Doc) -> [ObjectIdentifier] {
            doc.store.clients.values.flatMap { list -> [ObjectIdentifier] in
                var found: [ObjectIdentifier] = []
                list.forEach(from: 0) { s in
                    if case let .type(b) = s.content { found.append(ObjectIdentifier(b)) }
                }
                return found
            }
        }
        let inFirst = branches(first)
        XCTAssertFalse(inFirst.isEmpty, "the case holds nested types")
        XCTAssertTrue(Set(inFirst).isDisjoint(with: branches(second)))
        // A third application still gets fresh ones: the parsed value gave none away.
        let third = Doc(clientID: 3)
        try third.applyUpdate(parsed)
        XCTAssertTrue(Set(branches(third)).isDisjoint(with: inFirst))
        XCTAssertEqual(try third.encodeStateAsUpdate(), try first.encodeStateAsUpdate())
    }

    /// A malformed update is refused when parsed, with the decoder's error.
    func testAMalformedUpdateIsRefusedWhenParsed() {
        XCTAssertThrowsError(try ParsedUpdate([1, 1, 5, 0, 4])) { error in
            XCTAssertTrue(error is YCRDTError, "\(error)")
        }
    }

    /// A conflicting update changes neither document, parsed or not.
    func testAConflictingParsedUpdateChangesNothing() throws {
        let writer = Doc(clientID: 7)
        writer.getText("content").insert("abc", at: 0)
        let original = try writer.encodeStateAsUpdate()
        let liar = Doc(clientID: 7)
        liar.getText("content").insert("xyz", at: 0)
        let conflicting = try ParsedUpdate(try liar.encodeStateAsUpdate())
        let doc = Doc(clientID: 1)
        try doc.applyUpdate(original)
        XCTAssertThrowsError(try doc.applyUpdate(conflicting))
        XCTAssertEqual(doc.getText("content").toString(), "abc")
        XCTAssertEqual(try doc.encodeStateAsUpdate(), original)
    }
}
