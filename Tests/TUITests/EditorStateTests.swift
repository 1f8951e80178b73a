import TextLayout
import XCTest
import YCRDT

@testable import TUI

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

    func testTypingInsertsAtTheCaretInUTF16Offsets() {
        let (state, document) = makeEditor()
        type("سلام 😀 hi", into: state)
        XCTAssertEqual(document.text, "سلام 😀 hi")
        XCTAssertEqual(state.caret, "سلام 😀 hi".utf16.count)
        state.handle(.enter)
        state.handle(.tab)
        XCTAssertEqual(document.text, "سلام 😀 hi\n\t")
        XCTAssertEqual(state.layout.text, document.text, "the layout follows the document")
    }

    func testBackspaceAndDeleteRemoveWholeGraphemes() {
        let (state, document) = makeEditor("بَت😀")
        state.handle(.end)
        state.handle(.backspace)
        XCTAssertEqual(document.text, "بَت", "the emoji's surrogate pair goes at once")
        state.handle(.home)
        state.handle(.delete)
        XCTAssertEqual(document.text, "ت", "the letter and its haraka go together")
    }

    func testSelectionCutCopyPaste() {
        let (state, document) = makeEditor("hello world")
        for _ in 0..<5 { state.handle(.selectRight) }
        XCTAssertEqual(state.selection, 0..<5)
        state.handle(.copy)
        XCTAssertEqual(state.clipboard, "hello")
        state.handle(.cut)
        XCTAssertEqual(document.text, " world")
        state.handle(.end)
        state.handle(.pasteClipboard)
        XCTAssertEqual(document.text, " worldhello")
        state.handle(.selectAll)
        state.handle(.character("x"))
        XCTAssertEqual(document.text, "x", "typing replaces the selection")
    }

    func testBracketedPasteIsOneEditAndOneUndoStep() {
        let (state, document) = makeEditor()
        type("ab", into: state)
        state.handle(.paste("line1\r\nسطر2\rend"))
        XCTAssertEqual(document.text, "abline1\nسطر2\nend", "line endings normalised")
        state.handle(.undo)
        XCTAssertEqual(document.text, "ab", "the whole paste is one undo step")
        state.handle(.redo)
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
        state.handle(.undo)
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
        for _ in 0..<60 { state.handle(.down) }
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
        state.handle(.left)
        XCTAssertEqual(state.caret, 1, "left moves forward in reading order")
        state.handle(.right)
        XCTAssertEqual(state.caret, 0)
        state.handle(.toggleCursorMode)
        state.handle(.left)
        XCTAssertEqual(state.caret, 1, "logical mode follows the paragraph direction too")
    }

    func testFindSelectsTheNextMatchAndWraps() {
        let (state, _) = makeEditor("one كلمة two كلمة")
        state.handle(.find)
        type("كلمة", into: state)
        state.handle(.enter)
        XCTAssertEqual(state.selection, 4..<8)
        state.handle(.enter)
        XCTAssertEqual(state.selection, 13..<17)
        state.handle(.enter)
        XCTAssertEqual(state.selection, 4..<8, "wraps around")
        state.handle(.escape)
        XCTAssertEqual(state.mode, .editing)
        state.handle(.find)
        type("zzz", into: state)
        state.handle(.enter)
        XCTAssertEqual(state.message, "Not found: zzz")
    }

    func testFlipDirectionCyclesTheOverride() {
        let (state, _) = makeEditor("abc")
        XCTAssertFalse(state.layout.layout(ofParagraph: 0).alignsRight)
        state.handle(.flipDirection)
        XCTAssertEqual(state.layout.options.baseDirection, .rtl)
        XCTAssertTrue(state.layout.layout(ofParagraph: 0).alignsRight)
        state.handle(.flipDirection)
        XCTAssertEqual(state.layout.options.baseDirection, .ltr)
        state.handle(.flipDirection)
        XCTAssertEqual(state.layout.options.baseDirection, .auto)
    }

    func testANetworkNoticeStopsHidingTheConnectionState() {
        let (state, _) = makeEditor()
        state.setSessionState(SessionState(connection: .connected, save: .unsaved))
        let now = Date(timeIntervalSince1970: 100)
        state.setMessage("connection closed", for: 5, now: now)
        XCTAssertTrue(
            ScreenRenderer.statusLine(state, documentName: "notes", now: now.addingTimeInterval(1))
                .contains("connection closed"))
        let later = ScreenRenderer.statusLine(state, documentName: "notes", now: now.addingTimeInterval(6))
        XCTAssertFalse(later.contains("connection closed"), later)
        XCTAssertTrue(later.contains("notes"), later)
        // A message about a key stays until the next key.
        state.setMessage("Nothing to undo")
        XCTAssertEqual(state.message(at: now.addingTimeInterval(3600)), "Nothing to undo")
    }

    func testQuitWarnsOnceWhenNotSettled() {
        let (state, _) = makeEditor()
        state.setSessionState(SessionState(connection: .connected, save: .unsaved))
        XCTAssertEqual(state.handle(.quit), .save, "first Ctrl-Q saves and warns")
        XCTAssertNotNil(state.message)
        XCTAssertEqual(state.handle(.quit), .quit, "second Ctrl-Q quits")
        let (settled, _) = makeEditor()
        settled.setSessionState(SessionState(connection: .connected, save: .saved(at: nil)))
        XCTAssertEqual(settled.handle(.quit), .quit)
    }

    func testResizeReflowsAndKeepsTheCaretInView() {
        let (state, _) = makeEditor(String(repeating: "word ", count: 200), width: 80, height: 5)
        state.handle(.selectAll)
        state.handle(.end)
        state.resize(width: 20, height: 5)
        let caretRow = state.layout.position(forOffset: state.caret).row
        let distance = state.layout.rowDistance(from: state.top, to: caretRow, limit: 100)
        XCTAssertTrue((0..<5).contains(distance), "caret row \(distance) rows below the top")
        XCTAssertEqual(state.layout.layout(ofParagraph: 0).width, 20)
    }

    func testStatusLine() {
        let (state, _) = makeEditor("مرحبا abc")
        state.setSessionState(SessionState(connection: .connected, save: .saved(at: Date(timeIntervalSince1970: 100))))
        let line = ScreenRenderer.statusLine(state, documentName: "notes", now: Date(timeIntervalSince1970: 104))
        XCTAssertTrue(line.contains("notes"))
        XCTAssertTrue(line.contains("connected"))
        XCTAssertTrue(line.contains("saved 4 s ago"))
        XCTAssertTrue(line.contains("Ln 1, Col 1"))
        XCTAssertTrue(line.contains("RTL"))
        XCTAssertEqual(ScreenRenderer.saveText(.failed(reason: "x"), now: Date()), "save failed — retrying")
        XCTAssertEqual(ScreenRenderer.saveText(.unsaved, now: Date()), "unsaved changes")
    }
}

extension EditorStateTests {
    func testARemoteCaretLingersBrieflyAfterItLeaves() {
        let (state, document) = makeEditorForExtensions("hello")
        let caret = RemoteCaret(
            clientID: 9, name: "bob", color: "#ff0000",
            anchor: document.anchor(at: 2, assoc: 0), head: document.anchor(at: 2, assoc: 0))
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
