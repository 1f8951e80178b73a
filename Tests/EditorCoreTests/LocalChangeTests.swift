import EditorCore
import TextLayout
import XCTest
import YCRDT

/// The changes a `YTextDocument` reports for this editor's own edits (built from
/// the edit itself on unformatted text, from the delta otherwise) carry the text
/// exactly where it went: replayed on a copy of the text they give the document's.
final class LocalChangeTests: XCTestCase {
    func testLocalEditsReportTheChangesThatMadeTheText() throws {
        let editor = TestEditor("سطر أول with English\nsecond line\n\nالأخير")
        var shadow = Array(editor.text.utf16)
        var reported = 0
        editor.state.onDocumentChanged = { change in
            for edit in change.edits {
                shadow.replaceSubrange(edit.range, with: Array(edit.replacement.utf16))
            }
            reported += 1
        }
        var random = SystemRandomNumberGenerator()
        let pieces = ["a", "ب", "😀", "\n", "word ", "مَرْحَبًا", "x\ny"]
        for step in 0..<400 {
            let length = editor.document.utf16Count
            switch step % 7 {
            case 0, 1, 2:
                editor.state.placeCaret(at: Int.random(in: 0...length, using: &random))
                editor.type(pieces[step % pieces.count])
            case 3:
                let lower = Int.random(in: 0...length, using: &random)
                editor.state.select(lower..<min(length, lower + Int.random(in: 0...6, using: &random)))
                editor.type("ز")
            case 4:
                editor.state.placeCaret(at: Int.random(in: 0...length, using: &random))
                editor.press("Backspace")
            case 5:
                editor.state.handle(.paste("pasted\r\nلصق"))
            default:
                editor.press(step % 2 == 0 ? "Ctrl-Z" : "Ctrl-Y")
            }
            XCTAssertEqual(String(decoding: shadow, as: UTF16.self), editor.text, "step \(step)")
            XCTAssertEqual(editor.state.layout.text, editor.text, "step \(step)")
        }
        XCTAssertGreaterThan(reported, 300)
        XCTAssertEqual(editor.document.styles(in: 0..<editor.document.utf16Count), [])
    }

    /// Once the text holds formatting, typing still reports its change right and
    /// the typed letters take the style on their left.
    func testTypingAfterFormattingArrivesTakesTheStyleOnTheLeft() throws {
        let editor = TestEditor("plain text")
        editor.state.placeCaret(at: 10)
        editor.type("!")
        let web = TestEditor(clientID: 9)
        try editor.send(to: web)
        web.document.ytext.format(at: 0, length: 5, attributes: ["bold": .bool(true)])
        try web.send(to: editor)
        editor.state.placeCaret(at: 5)
        editor.type("ly")
        XCTAssertEqual(editor.text, "plainly text!")
        XCTAssertEqual(editor.state.layout.text, editor.text)
        XCTAssertEqual(editor.document.styles(in: 0..<13), [StyledRange(range: 0..<7, style: .bold)])
    }
}
