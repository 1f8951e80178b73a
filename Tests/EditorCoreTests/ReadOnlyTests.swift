import EditorCore
import Foundation
import XCTest

/// A viewer: the status bar says "read-only", editing keys are refused with a
/// message, and nothing at all is sent.
final class ReadOnlyTests: XCTestCase {
    func testEveryKeyLeavesTheDocumentAloneAndNothingIsSent() throws {
        let editor = TestEditor("hello عالم\nsecond line")
        editor.state.setReadOnly(true, reason: "you are a viewer of this document")
        let before = try editor.document.doc.encodeStateAsUpdate()
        for binding in Keymap.standard.bindings {
            for chord in binding.chords where binding.actions != [.quit] && binding.actions != [.help] {
                editor.state.handle(.key(chord))
                // Leave prompts the way a writer would, so every key is tried in the editor proper.
                editor.press("Esc")
            }
        }
        editor.type("typed")
        editor.state.handle(.paste("pasted"))
        editor.press("Ctrl-A")
        editor.press("Backspace")
        XCTAssertThrowsError(try editor.state.replace(0..<0, with: "x")) { error in
            XCTAssertEqual(error as? EditorError, .readOnly(reason: "you are a viewer of this document"))
        }
        XCTAssertEqual(editor.text, "hello عالم\nsecond line")
        XCTAssertEqual(try editor.document.doc.encodeStateAsUpdate(), before)
        XCTAssertTrue(editor.sentUpdates.isEmpty, "no update left the editor")
        XCTAssertTrue(editor.sharedSelections.isEmpty, "not even the caret was announced")
    }

    func testRefusalsSayWhyAndTheStatusBarSaysReadOnly() {
        let editor = TestEditor("abc")
        editor.state.setReadOnly(true, reason: "you are a viewer of this document")
        editor.type("x")
        XCTAssertEqual(editor.state.message, "Read-only: you are a viewer of this document")
        editor.press("Ctrl-Z")
        XCTAssertEqual(editor.state.message, "Read-only: you are a viewer of this document")
        editor.press("Right")
        XCTAssertEqual(editor.state.caret, 1, "moving around still works")
        let status = StatusLine(editor.state, documentName: "notes", width: 80).text
        XCTAssertTrue(status.contains("read-only"), status)
        editor.press("Ctrl-C")
        XCTAssertNotEqual(editor.state.message?.hasPrefix("Read-only"), true, "copying is reading")
        editor.state.setReadOnly(false)
        editor.type("x")
        XCTAssertEqual(editor.text, "axbc")
    }

    func testQuitNeedsNoConfirmationWhenNothingCanBeLost() {
        let editor = TestEditor("abc")
        editor.state.setReadOnly(true)
        editor.state.setReport(StatusReport(connection: .connecting, save: .unsaved))
        XCTAssertEqual(editor.press("Ctrl-Q"), .quit)
    }
}
