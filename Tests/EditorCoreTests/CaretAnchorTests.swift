import EditorCore
import Foundation
import TextLayout
import XCTest

/// The caret and the view stay with their own text whatever others type.
final class CaretAnchorTests: XCTestCase {
    /// The README's demo on a new document: B's caret and view stay at the start
    /// while A types line after line (one of them Arabic) and pastes, and what B
    /// types next lands where B is.
    func testAnotherWritersLinesDoNotDragTheCaretOrTheViewOfAFreshDocument() throws {
        let a = TestEditor(clientID: 1, height: 5)
        let b = TestEditor(clientID: 2, height: 5)
        for line in ["first line", "السطر الثاني بالعربية", "third", "fourth"] {
            a.type(line)
            a.press("Enter")
            try a.send(to: b)
            XCTAssertEqual(b.state.caret, 0, "B's caret stays where B left it (after \(line))")
            XCTAssertEqual(b.state.top, RowAddress(paragraph: 0, line: 0), "B's view stays at the top")
        }
        a.state.handle(.paste(String(repeating: "pasted words ", count: 4000)))
        try a.send(to: b)
        XCTAssertEqual(b.state.caret, 0)
        XCTAssertEqual(b.state.top, RowAddress(paragraph: 0, line: 0))
        XCTAssertEqual(b.state.caretLineColumn.line, 1)
        b.type(">> ")
        try b.send(to: a)
        XCTAssertTrue(a.text.hasPrefix(">> first line\nالسطر الثاني"), a.text.prefix(40).description)
        XCTAssertEqual(a.text, b.text)
    }

    func testOneLongWrappedLineDoesNotScrollTheOtherView() throws {
        let a = TestEditor(clientID: 1, width: 20, height: 3)
        let b = TestEditor(clientID: 2, width: 20, height: 3)
        a.type(String(repeating: "word ", count: 60))
        try a.send(to: b)
        XCTAssertEqual(b.state.top, RowAddress(paragraph: 0, line: 0))
        XCTAssertEqual(b.state.caret, 0)
    }

    /// Two writers typing at the same place, keystroke by keystroke, each seeing
    /// the other's keys at once: each one's text stays in one piece.
    func testOwnTypingStaysContiguousWhenAnotherWriterTypesAtTheSameSpot() throws {
        let a = TestEditor("start  end", clientID: 1)
        let b = TestEditor(clientID: 2)
        try a.send(to: b)
        a.state.placeCaret(at: 6)
        b.state.placeCaret(at: 6)
        for _ in 0..<12 {
            a.type("A")
            try a.send(to: b)
            b.type("b")
            try b.send(to: a)
        }
        XCTAssertEqual(a.text, b.text)
        XCTAssertTrue(a.text.contains(String(repeating: "A", count: 12)), a.text)
        XCTAssertTrue(a.text.contains(String(repeating: "b", count: 12)), a.text)
        XCTAssertTrue(a.text.hasPrefix("start ") && a.text.hasSuffix(" end"), a.text)
    }

    /// Esc drops the selection here and in what the others are told.
    func testAClearedSelectionIsAnnouncedAsACaret() throws {
        let a = TestEditor("hello world", clientID: 1)
        a.state.placeCaret(at: 5)
        for _ in 0..<5 { a.press("Shift-Left") }
        var shared = try XCTUnwrap(a.sharedSelections.last)
        XCTAssertEqual(a.resolve(shared).anchor, 5)
        XCTAssertEqual(a.resolve(shared).head, 0)
        a.press("Esc")
        shared = try XCTUnwrap(a.sharedSelections.last)
        XCTAssertEqual(shared.anchor, shared.head, "the others are told the selection is gone")
        XCTAssertEqual(a.resolve(shared).head, 0)
    }

    /// A remote caret drawn on B's screen follows A's own anchor, so A's caret
    /// after A's last letter stays there while B types right after it.
    func testTheSharedCaretStaysAfterItsOwnersLastLetter() throws {
        let a = TestEditor("xy", clientID: 1)
        let b = TestEditor(clientID: 2)
        try a.send(to: b)
        a.state.placeCaret(at: 1)
        a.type("A")
        try a.send(to: b)
        b.state.placeCaret(at: 2)
        b.type("b")
        try b.send(to: a)
        let shared = try XCTUnwrap(a.sharedSelections.last)
        XCTAssertEqual(b.resolve(shared).head, 2, "A's caret is still right after A's letter in B's view")
        XCTAssertEqual(a.state.caret, 2)
    }
}
