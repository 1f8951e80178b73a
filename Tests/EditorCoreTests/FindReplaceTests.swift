import EditorCore
import Foundation
import XCTest

/// Find next and previous with every match highlighted, replace, go to line.
final class FindReplaceTests: XCTestCase {
    func testFindNextAndPreviousHighlightEveryMatch() {
        let editor = TestEditor("one كلمة two كلمة three KALIMA kalima")
        editor.press("Ctrl-F")
        editor.type("كلمة")
        editor.press("Enter")
        XCTAssertEqual(editor.state.selection, 4..<8)
        XCTAssertEqual(editor.state.message, "Match 1 of 2")
        XCTAssertEqual(editor.state.highlightedMatches(in: 0..<100), [4..<8, 13..<17])
        XCTAssertEqual(editor.state.highlightedMatches(in: 10..<14), [13..<17], "only those in view")
        editor.press("Down")
        XCTAssertEqual(editor.state.selection, 13..<17)
        editor.press("Up")
        XCTAssertEqual(editor.state.selection, 4..<8, "↑ goes back")
        editor.press("Esc")
        XCTAssertEqual(editor.state.mode, .editing)
        XCTAssertEqual(editor.state.highlightedMatches(in: 0..<100), [], "Esc ends the highlight")
        editor.press("F3")
        XCTAssertEqual(editor.state.selection, 13..<17, "F3 repeats the last search")
        editor.press("Shift-F3")
        XCTAssertEqual(editor.state.selection, 4..<8)
        editor.press("Shift-F3")
        XCTAssertEqual(editor.state.selection, 13..<17, "wraps around backwards")
        editor.press("Esc")
        editor.press("Ctrl-F")
        editor.type("kalima")
        editor.press("Enter")
        XCTAssertEqual(editor.state.allMatches().count, 2, "ASCII letters match either case")
    }

    func testNotFoundIsShownInThePromptLine() {
        let editor = TestEditor("abc")
        editor.press("Ctrl-F")
        editor.type("zzz")
        editor.press("Enter")
        let status = StatusLine(editor.state, documentName: "notes", width: 80)
        XCTAssertEqual(status.prompt, "Find: zzz")
        XCTAssertTrue(status.left.contains("Not found: zzz"), status.left)
    }

    func testReplaceAsksForEachMatchAndAllReplacesTheRestAsOneUndoStep() {
        let editor = TestEditor("cat dog cat bird cat")
        editor.press("Ctrl-R")
        editor.type("cat")
        editor.press("Enter")
        editor.type("قط")
        editor.press("Enter")
        XCTAssertEqual(editor.state.mode, .confirmingReplace)
        XCTAssertEqual(editor.state.selection, 0..<3)
        editor.state.handle(.character("y"))
        XCTAssertEqual(editor.text, "قط dog cat bird cat")
        XCTAssertEqual(editor.state.selection, 7..<10)
        editor.state.handle(.character("n"))
        XCTAssertEqual(editor.state.selection, 16..<19)
        editor.state.handle(.character("y"))
        XCTAssertEqual(editor.text, "قط dog cat bird قط")
        XCTAssertEqual(editor.state.mode, .editing, "back at the start: done")
        XCTAssertEqual(editor.state.message, "Replaced 2 matches")

        let all = TestEditor("a a a a")
        all.press("Ctrl-R")
        all.type("a")
        all.press("Enter")
        all.type("aa")
        all.press("Enter")
        all.state.handle(.character("a"))
        XCTAssertEqual(all.text, "aa aa aa aa", "a replacement holding its query does not loop")
        XCTAssertEqual(all.state.message, "Replaced 4 matches")
        all.press("Ctrl-Z")
        XCTAssertEqual(all.text, "a a a a", "one undo step")
    }

    func testGoToLine() {
        let editor = TestEditor((1...50).map { "line \($0)" }.joined(separator: "\n"), height: 10)
        editor.press("Ctrl-G")
        editor.type("30")
        editor.press("Enter")
        XCTAssertEqual(editor.state.caretLineColumn.line, 30)
        XCTAssertEqual(editor.state.caretLineColumn.column, 1)
        let caretRow = editor.state.layout.position(forOffset: editor.state.caret).row
        XCTAssertTrue(
            (0..<10).contains(editor.state.layout.rowDistance(from: editor.state.top, to: caretRow, limit: 60)))
        editor.press("Ctrl-G")
        editor.type("12:4")
        editor.press("Enter")
        XCTAssertEqual(editor.state.caretLineColumn.line, 12)
        XCTAssertEqual(editor.state.caretLineColumn.column, 4)
        editor.press("Ctrl-G")
        editor.type("999")
        editor.press("Enter")
        XCTAssertEqual(editor.state.caretLineColumn.line, 50)
        XCTAssertEqual(editor.state.message, "The document has 50 lines: went to the last one")
        editor.press("Ctrl-G")
        editor.type("x")
        editor.press("Enter")
        XCTAssertEqual(editor.state.message, "Type a line number (1 to 50), e.g. 12 or 12:5")
    }
}
