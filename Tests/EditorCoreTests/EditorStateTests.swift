import TextLayout
import XCTest
import YCRDT

@testable import EditorCore

/// Editing behaviour on the real Yjs document (YCRDT), without a terminal.
final class EditorStateTests: XCTestCase {
    private func makeEditor(_ text: String = "", width: Int = 40, height: Int = 10) -> (EditorState, YTextDocument) {
        let doc = Doc(clientID: 1)
        let document = YTextDocument(doc: doc)
        if !text.isEmpty { document.ytext.insert(text, at: 0) }
        document.undoManager.clear()
        let state = EditorState(document: document, options: LayoutOptions(width: width), height: height)
        return (state, document)
    }

    private func type(_ text: String, into state: EditorState) {
        for character in text { state.handle(.character(character)) }
    }

    @discardableResult
    private func press(_ state: EditorState, _ name: String) -> EditorEffect {
        guard let chord = KeyChord(name: name) else {
            XCTFail("no key named \(name)")
            return .none
        }
        return state.handle(.key(chord))
    }

    func testTypingInsertsAtTheCaretInUTF16Offsets() {
        let (state, document) = makeEditor()
        type("سلام 😀 hi", into: state)
        XCTAssertEqual(document.text, "سلام 😀 hi")
        XCTAssertEqual(state.caret, "سلام 😀 hi".utf16.count)
        press(state, "Enter")
        press(state, "Tab")
        XCTAssertEqual(document.text, "سلام 😀 hi\n\t")
        XCTAssertEqual(state.layout.text, document.text, "the layout follows the document")
    }

    func testBackspaceAndDeleteRemoveWholeGraphemes() {
        let (state, document) = makeEditor("بَت😀")
        press(state, "End")
        press(state, "Backspace")
        XCTAssertEqual(document.text, "بَت", "the emoji's surrogate pair goes at once")
        press(state, "Home")
        press(state, "Del")
        XCTAssertEqual(document.text, "ت", "the letter and its haraka go together")
    }

    func testSelectionCutCopyPaste() {
        let (state, document) = makeEditor("hello world")
        for _ in 0..<5 { press(state, "Shift-Right") }
        XCTAssertEqual(state.selection, 0..<5)
        press(state, "Ctrl-C")
        XCTAssertEqual(state.clipboard, "hello")
        press(state, "Ctrl-X")
        XCTAssertEqual(document.text, " world")
        press(state, "End")
        press(state, "Ctrl-V")
        XCTAssertEqual(document.text, " worldhello")
        press(state, "Ctrl-A")
        state.handle(.character("x"))
        XCTAssertEqual(document.text, "x", "typing replaces the selection")
    }

    func testBracketedPasteIsOneEditAndOneUndoStep() {
        let (state, document) = makeEditor()
        type("ab", into: state)
        state.handle(.paste("line1\r\nسطر2\rend"))
        XCTAssertEqual(document.text, "abline1\nسطر2\nend", "line endings normalised")
        press(state, "Ctrl-Z")
        XCTAssertEqual(document.text, "ab", "the whole paste is one undo step")
        press(state, "Ctrl-Y")
        XCTAssertEqual(document.text, "abline1\nسطر2\nend")
    }

    func testUndoRevertsOnlyOwnEdits() throws {
        let (state, document) = makeEditor()
        let remoteDoc = Doc(clientID: 2)
        let remoteText = remoteDoc.getText("content")
        type("mine ", into: state)
        try remoteDoc.applyUpdate(try document.doc.encodeStateAsUpdate())
        remoteText.insert("THEIRS ", at: 0)
        try document.applyRemoteUpdate(try remoteDoc.encodeStateAsUpdate(since: document.doc.encodeStateVector()))
        XCTAssertEqual(document.text, "THEIRS mine ")
        press(state, "Ctrl-Z")
        XCTAssertEqual(document.text, "THEIRS ", "the remote insert survives our undo")
        XCTAssertEqual(state.layout.text, document.text)
    }

    func testRemoteEditNeverMovesTheCaretOffItsText() throws {
        let (state, document) = makeEditor("hello world")
        state.handle(.click(row: 0, column: 6))
        XCTAssertEqual(state.caret, 6, "before 'world'")
        let remoteDoc = Doc(clientID: 2)
        try remoteDoc.applyUpdate(try document.doc.encodeStateAsUpdate())
        remoteDoc.getText("content").insert("مرحبا ", at: 0)
        remoteDoc.getText("content").delete(at: 6, length: 6)  // "hello " goes
        try document.applyRemoteUpdate(try remoteDoc.encodeStateAsUpdate(since: document.doc.encodeStateVector()))
        XCTAssertEqual(document.text, "مرحبا world")
        XCTAssertEqual(state.caret, 6, "still before 'world'")
        let utf16 = Array(document.text.utf16)
        XCTAssertEqual(String(decoding: utf16[state.caret...], as: UTF16.self), "world")
    }

    func testRemoteEditAboveTheViewDoesNotScrollIt() throws {
        let lines = (0..<100).map { "line \($0)" }.joined(separator: "\n")
        let (state, document) = makeEditor(lines, height: 10)
        for _ in 0..<60 { press(state, "Down") }
        let topText = state.layout.paragraphText(state.top.paragraph)
        XCTAssertEqual(topText, "line 51")
        let caretText = state.layout.paragraphText(state.layout.paragraphIndex(containing: state.caret))
        let remoteDoc = Doc(clientID: 2)
        try remoteDoc.applyUpdate(try document.doc.encodeStateAsUpdate())
        remoteDoc.getText("content").insert("new 1\nnew 2\nnew 3\n", at: 0)
        try document.applyRemoteUpdate(try remoteDoc.encodeStateAsUpdate(since: document.doc.encodeStateVector()))
        XCTAssertEqual(state.layout.paragraphText(state.top.paragraph), "line 51", "the same text stays on top")
        XCTAssertEqual(state.layout.paragraphText(state.layout.paragraphIndex(containing: state.caret)), caretText)
    }

    func testVisualArrowsInAnRTLParagraph() {
        let (state, _) = makeEditor("مرحبا")
        XCTAssertEqual(state.caret, 0)
        XCTAssertEqual(state.layout.position(forOffset: 0).column, 39, "first letter drawn at the right edge")
        press(state, "Left")
        XCTAssertEqual(state.caret, 1, "left moves forward in reading order")
        press(state, "Right")
        XCTAssertEqual(state.caret, 0)
        press(state, "F5")
        press(state, "Left")
        XCTAssertEqual(state.caret, 1, "logical mode follows the paragraph direction too")
    }

    func testFindSelectsTheNextMatchAndWraps() {
        let (state, _) = makeEditor("one كلمة two كلمة")
        press(state, "Ctrl-F")
        type("كلمة", into: state)
        press(state, "Enter")
        XCTAssertEqual(state.selection, 4..<8)
        press(state, "Enter")
        XCTAssertEqual(state.selection, 13..<17)
        press(state, "Enter")
        XCTAssertEqual(state.selection, 4..<8, "wraps around")
        press(state, "Esc")
        XCTAssertEqual(state.mode, .editing)
        press(state, "Ctrl-F")
        type("zzz", into: state)
        press(state, "Enter")
        XCTAssertEqual(state.message, "Not found: zzz")
    }

    func testFlipDirectionCyclesTheOverride() {
        let (state, _) = makeEditor("abc")
        XCTAssertFalse(state.layout.layout(ofParagraph: 0).alignsRight)
        press(state, "Ctrl-D")
        XCTAssertEqual(state.layout.options.baseDirection, .rtl)
        XCTAssertTrue(state.layout.layout(ofParagraph: 0).alignsRight)
        press(state, "Ctrl-D")
        XCTAssertEqual(state.layout.options.baseDirection, .ltr)
        press(state, "Ctrl-D")
        XCTAssertEqual(state.layout.options.baseDirection, .auto)
    }

    func testANetworkNoticeStopsHidingTheConnectionState() {
        let (state, _) = makeEditor()
        state.setReport(StatusReport(connection: .connected, save: .unsaved))
        let now = Date(timeIntervalSince1970: 100)
        state.setMessage("connection closed", for: 5, now: now)
        XCTAssertTrue(
            StatusLine(state, documentName: "notes", width: 120, now: now.addingTimeInterval(1)).text
                .contains("connection closed"))
        let later = StatusLine(state, documentName: "notes", width: 120, now: now.addingTimeInterval(6)).text
        XCTAssertFalse(later.contains("connection closed"), later)
        XCTAssertTrue(later.contains("notes"), later)
        // A message about a key stays until the next key.
        state.setMessage("Nothing to undo")
        XCTAssertEqual(state.message(at: now.addingTimeInterval(3600)), "Nothing to undo")
    }

    func testQuitWarnsOnceWhenNotSettled() {
        let (state, _) = makeEditor()
        state.setReport(StatusReport(connection: .connected, save: .unsaved))
        XCTAssertEqual(press(state, "Ctrl-Q"), .save, "first Ctrl-Q saves and warns")
        XCTAssertNotNil(state.message)
        XCTAssertEqual(press(state, "Ctrl-Q"), .quit, "second Ctrl-Q quits")
        let (settled, _) = makeEditor()
        settled.setReport(StatusReport(connection: .connected, save: .saved(at: nil)))
        XCTAssertEqual(press(settled, "Ctrl-Q"), .quit)
    }

    func testResizeReflowsAndKeepsTheCaretInView() {
        let (state, _) = makeEditor(String(repeating: "word ", count: 200), width: 80, height: 5)
        press(state, "Ctrl-A")
        press(state, "End")
        state.resize(width: 20, height: 5)
        let caretRow = state.layout.position(forOffset: state.caret).row
        let distance = state.layout.rowDistance(from: state.top, to: caretRow, limit: 100)
        XCTAssertTrue((0..<5).contains(distance), "caret row \(distance) rows below the top")
        XCTAssertEqual(state.layout.layout(ofParagraph: 0).width, 20)
    }

    func testStatusLine() {
        let (state, _) = makeEditor("مرحبا abc")
        state.setReport(StatusReport(connection: .connected, save: .saved(at: Date(timeIntervalSince1970: 100))))
        let line = StatusLine(state, documentName: "notes", width: 120, now: Date(timeIntervalSince1970: 113)).text
        XCTAssertTrue(line.contains("notes"))
        XCTAssertTrue(line.contains("connected"))
        XCTAssertTrue(line.contains("saved 13 s ago"), line)
        XCTAssertTrue(line.contains("Ln 1, Col 1"))
        XCTAssertTrue(line.contains("RTL"))
        XCTAssertEqual(SaveIndicator.failed(reason: "x").text(at: Date()), "save failed — retrying")
        XCTAssertEqual(SaveIndicator.unsaved.text(at: Date()), "unsaved changes")
    }
}

extension EditorStateTests {
    func testARemoteCaretLingersBrieflyAfterItLeaves() {
        let (state, document) = makeEditorForExtensions("hello")
        let caret = RemoteCaret(
            clientID: 9, name: "bob", color: "#ff0000",
            anchor: document.anchor(at: 2, bias: .after), head: document.anchor(at: 2, bias: .after))
        let start = Date(timeIntervalSince1970: 1000)
        state.setRemoteCarets([caret], now: start)
        state.setRemoteCarets([], now: start)
        XCTAssertEqual(state.visibleRemoteCarets(now: start.addingTimeInterval(1)).map(\.clientID), [9])
        XCTAssertEqual(state.visibleRemoteCarets(now: start.addingTimeInterval(2)).map(\.clientID), [])
        state.setRemoteCarets([caret], now: start.addingTimeInterval(3))
        XCTAssertEqual(state.resolvedRemoteCarets(now: start.addingTimeInterval(3)).map(\.head), [2])
    }

    private func makeEditorForExtensions(_ text: String) -> (EditorState, YTextDocument) {
        let document = YTextDocument(doc: Doc(clientID: 1))
        document.ytext.insert(text, at: 0)
        return (EditorState(document: document, options: LayoutOptions(width: 40), height: 10), document)
    }
}
