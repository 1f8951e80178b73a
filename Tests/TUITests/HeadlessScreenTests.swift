import EditorCore
import TextLayout
import XCTest
import YCRDT

@testable import TUI

final class HeadlessScreenTests: XCTestCase {
    /// The headless screen runs the editor's real renderer: a key typed into a Yjs
    /// document shows on the screen row of the caret.
    func testATypedKeyReachesTheScreen() throws {
        let screen = try HeadlessScreen(rows: 12, columns: 80)
        let document = YTextDocument(doc: Doc(clientID: 7))
        try document.replace(0..<0, with: "first line\nالسَّلامُ عَلَيْكُمْ")
        let state = screen.makeState(document: document)
        state.handle(.character("x"))
        screen.draw(state)
        XCTAssertEqual(document.text, "xfirst line\nالسَّلامُ عَلَيْكُمْ")
        XCTAssertTrue(screen.row(0).hasPrefix("xfirst line"), "row 0 is \(screen.row(0))")
        XCTAssertEqual(screen.textHeight, 11)
        XCTAssertLessThan(screen.textWidth, 80, "the presence panel takes its columns")
    }

    /// A remote update redraws in place: the text appears, the caret's text stays.
    func testARemoteUpdateIsDrawnOnTheNextFrame() throws {
        let screen = try HeadlessScreen(rows: 12, columns: 80)
        let local = YTextDocument(doc: Doc(clientID: 7))
        let state = screen.makeState(document: local)
        state.handle(.paste("abc"))
        let remote = Doc(clientID: 9)
        try remote.applyUpdate(try local.doc.encodeStateAsUpdate())
        var update: [UInt8] = []
        _ = remote.onUpdate { bytes, _ in update = bytes }
        remote.getText("content").insert("remote ", at: 0)
        try local.applyRemoteUpdate(update)
        screen.draw(state)
        XCTAssertTrue(screen.row(0).hasPrefix("remote abc"), "row 0 is \(screen.row(0))")
        XCTAssertEqual(state.caret, 10, "the caret stays after its text")
    }
}
