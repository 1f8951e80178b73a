import XCTest

@testable import EditorCore

final class PlainTextDocumentTests: XCTestCase {
    func testAnchorsFollowEditsOnBothSides() throws {
        let document = PlainTextDocument(text: "hello world")
        let after = document.anchor(at: 6, bias: .after)
        let before = document.anchor(at: 6, bias: .before)
        try document.applyRemote(0..<0, with: ">> ")
        XCTAssertEqual(document.resolve(after), 9)
        try document.applyRemote(9..<9, with: "big ")
        XCTAssertEqual(document.resolve(after), 13, "an insert at the anchor goes before a right-sticking anchor")
        XCTAssertEqual(document.resolve(before), 9, "and after a left-sticking one")
        try document.applyRemote(0..<13, with: "")
        XCTAssertEqual(document.resolve(after), 0)
        XCTAssertNil(document.resolve(TextAnchor(bytes: [1, 2, 3])), "garbage does not resolve")
    }

    func testUndoRedoAndOutOfRangeEdits() throws {
        let document = PlainTextDocument(text: "abc")
        try document.replace(3..<3, with: "d")
        document.stopCapturing()
        try document.replace(0..<1, with: "")
        XCTAssertEqual(document.text, "bcd")
        XCTAssertEqual(document.undo(), 1)
        XCTAssertEqual(document.text, "abcd")
        XCTAssertEqual(document.undo(), 3)
        XCTAssertEqual(document.text, "abc")
        XCTAssertNil(document.undo())
        XCTAssertEqual(document.redo(), 4)
        XCTAssertEqual(document.text, "abcd")
        XCTAssertThrowsError(try document.replace(2..<9, with: "x")) { error in
            XCTAssertEqual(error as? EditorError, .rangeOutOfBounds(range: 2..<9, length: 4))
        }
        XCTAssertEqual(document.text, "abcd")
    }
}
