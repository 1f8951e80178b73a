import EditorCore
import Foundation
import XCTest
import YCRDT

/// What the status bar says: counts, save state, wording at narrow widths.
final class StatusAndCountTests: XCTestCase {
    func testWordsAreCountedPerUAX29() {
        let cases: [(String, Int)] = [
            ("السَّلامُ عَلَيْكُمْ", 2),  // harakat stay inside their words
            ("مرحبا،كيف حالك؟", 3),  // the Arabic comma separates words
            ("كتبـــت الطالبة", 2),  // tatweel is part of the word
            ("don't stop", 2),
            ("e.g. 3.14 and ٣٫١٤", 4),
            ("hello_world foo-bar", 3),
            ("日本語", 3),  // each ideograph is a word
            ("  — 😀 !! ", 0),
            ("لا إله إلا الله", 4)
        ]
        for (text, words) in cases {
            XCTAssertEqual(TextCounts(of: text).words, words, text)
        }
        XCTAssertEqual(TextCounts(of: "سَلام\nabc").characters, 7, "graphemes, newlines not counted")
    }

    func testCountsFollowEditsAndTheSelection() throws {
        let editor = TestEditor("one two\nثلاثة أربعة")
        XCTAssertEqual(editor.state.counts, TextCounts(words: 4, characters: 18))
        editor.type("zero ")
        XCTAssertEqual(editor.state.counts.words, 5)
        let peer = TestEditor(clientID: 2)
        try editor.send(to: peer)
        peer.document.ytext.insert(" خمسة", at: peer.document.utf16Count)
        try peer.send(to: editor)
        XCTAssertEqual(editor.state.counts.words, 6, "a remote edit is counted too")
        editor.state.select(0..<8)
        let status = StatusLine(editor.state, documentName: "notes", width: 120).text
        XCTAssertTrue(status.contains("selected: 2 words │ 8 chars"), status)
        editor.press("Esc")
        XCTAssertTrue(StatusLine(editor.state, documentName: "notes", width: 120).text.contains("6 words"))
    }

    /// A large document is counted a slice at a time (a front end's frame), and
    /// the slices add up to the whole.
    func testCountingInSlicesAddsUpToTheWhole() {
        let text = (0..<3000).map { "سطر رقم \($0) with some English words" }.joined(separator: "\n")
        let editor = TestEditor(text)
        var slices = 0
        var counts: TextCounts?
        while counts == nil {
            counts = editor.state.counts(until: Date())
            slices += 1
            XCTAssertLessThan(slices, 10_000)
        }
        XCTAssertGreaterThan(slices, 1, "counted in more than one slice")
        XCTAssertFalse(editor.state.hasUncountedText)
        XCTAssertEqual(counts, TextCounts(of: text))
        XCTAssertEqual(counts?.words, 3000 * 7)
        let status = StatusLine(editor.state, documentName: "n", width: 100, countUntil: Date()).text
        XCTAssertTrue(status.contains("21000 words"), status)
        editor.type("x ")
        XCTAssertTrue(editor.state.hasUncountedText, "the edited paragraph is counted again")
        XCTAssertEqual(editor.state.counts.words, 3000 * 7 + 1)
    }

    /// At 60 columns parts are dropped whole: "saved 13 s ago" is never cut.
    func testNarrowStatusBarsDropWholePartsNeverHalves() {
        let editor = TestEditor("مرحبا abc")
        let now = Date(timeIntervalSince1970: 1000)
        editor.state.setReport(StatusReport(connection: .connected, save: .saved(at: now.addingTimeInterval(-13))))
        for width in [40, 60, 80, 120] {
            let status = StatusLine(editor.state, documentName: "notes", width: width, now: now)
            XCTAssertTrue(status.text.contains("Ln 1, Col 1"), "\(width): \(status.text)")
            XCTAssertLessThanOrEqual(status.left.count + status.right.count + 4, width, "\(width): \(status.text)")
            if status.left.contains("saved") {
                XCTAssertTrue(status.left.contains("saved 13 s ago"), "\(width): \(status.left)")
            }
        }
        let sixty = StatusLine(editor.state, documentName: "notes", width: 60, now: now)
        XCTAssertTrue(sixty.left.contains("saved 13 s ago"), sixty.text)
        XCTAssertTrue(sixty.left.contains("connected"), sixty.text)
        let eighty = StatusLine(editor.state, documentName: "notes", width: 80, now: now)
        XCTAssertEqual(eighty.text, "notes │ connected │ saved 13 s ago │ 2 words │ 0 online │ Ln 1, Col 1 │ RTL")
    }

    /// Ctrl-S says "Saving…" only until the save reports back.
    func testSavingGivesWayToTheSavesOwnState() {
        let editor = TestEditor("abc")
        let now = Date()
        editor.state.setReport(StatusReport(connection: .connected, save: .saved(at: now.addingTimeInterval(-13))))
        XCTAssertEqual(editor.press("Ctrl-S"), .save)
        XCTAssertTrue(StatusLine(editor.state, documentName: "n", width: 100, now: now).text.contains("Saving…"))
        editor.state.setReport(StatusReport(connection: .connected, save: .saved(at: now)))
        let status = StatusLine(editor.state, documentName: "n", width: 100, now: now).text
        XCTAssertFalse(status.contains("Saving…"), status)
        XCTAssertTrue(status.contains("saved just now"), status)
        // When there was nothing to save, the message still goes after a moment.
        editor.press("Ctrl-S")
        XCTAssertFalse(
            StatusLine(editor.state, documentName: "n", width: 100, now: now.addingTimeInterval(4)).text.contains(
                "Saving…"))
    }

    func testConnectionWordsAndTheHint() {
        let now = Date(timeIntervalSince1970: 0)
        XCTAssertEqual(ConnectionIndicator.syncing.text(at: now), "syncing")
        XCTAssertEqual(
            ConnectionIndicator.reconnecting(retryAt: now.addingTimeInterval(2.2)).text(at: now), "reconnecting in 3 s")
        let editor = TestEditor()
        editor.state.setReport(
            StatusReport(
                connection: .reconnecting(retryAt: nil), save: .saved(at: nil),
                hint: "port 4000 is used by another program — free it or pass --relay-url"))
        let status = StatusLine(editor.state, documentName: "notes", width: 120, now: now).text
        XCTAssertTrue(status.contains("port 4000 is used by another program — free it or pass --relay-url"), status)
        let eighty = StatusLine(editor.state, documentName: "notes", width: 80, now: now)
        XCTAssertEqual(
            eighty.left, "port 4000 is used by another program — free it or pass --relay-url",
            "at 80 columns the hint has the bar to itself")
        let narrow = StatusLine(editor.state, documentName: "notes", width: 50, now: now)
        XCTAssertTrue(narrow.left.hasPrefix("port 4000 is used") && narrow.left.hasSuffix("…"), narrow.left)
        XCTAssertLessThanOrEqual(narrow.left.count + 2, 50)
    }
}

/// Bold, italic and underline from the web app, and typing inside them.
final class FormattingTests: XCTestCase {
    func testFormattingFromAnotherClientIsKnownAndTypingInsideItContinuesIt() throws {
        let editor = TestEditor("plain bold italic")
        let web = TestEditor(clientID: 9)
        try editor.send(to: web)
        web.document.ytext.format(at: 6, length: 4, attributes: ["bold": .bool(true)])
        web.document.ytext.format(at: 11, length: 6, attributes: ["italic": .bool(true), "underline": .bool(true)])
        try web.send(to: editor)
        XCTAssertEqual(
            editor.document.styles(in: 0..<17),
            [StyledRange(range: 6..<10, style: .bold), StyledRange(range: 11..<17, style: [.italic, .underline])])
        editor.state.placeCaret(at: 8)
        editor.type("XY")
        XCTAssertEqual(editor.text, "plain boXYld italic")
        XCTAssertEqual(editor.document.styles(in: 0..<19).first, StyledRange(range: 6..<12, style: .bold))
        try editor.send(to: web)
        XCTAssertEqual(
            web.document.ytext.toDelta().first {
                if case .insert("boXYld", _) = $0 { return true } else { return false }
            },
            .insert("boXYld", attributes: ["bold": .bool(true)]), "the web app sees the typed letters bold")
        web.document.ytext.format(at: 6, length: 6, attributes: ["bold": .null])
        try web.send(to: editor)
        XCTAssertEqual(editor.document.styles(in: 0..<12), [], "unbolding reaches the editor")
    }

    func testStylesAreReadFromAStoredDocument() throws {
        let doc = Doc(clientID: 3)
        doc.getText("content").insert("hi ", at: 0)
        doc.getText("content").insert("there", at: 3, attributes: ["bold": .bool(true), "italic": .bool(true)])
        let loaded = YTextDocument(doc: Doc(clientID: 4))
        try loaded.applyRemoteUpdate(try doc.encodeStateAsUpdate())
        XCTAssertEqual(loaded.styles(in: 0..<8), [StyledRange(range: 3..<8, style: [.bold, .italic])])
        let fresh = YTextDocument(doc: doc)
        XCTAssertEqual(fresh.styles(in: 0..<8), [StyledRange(range: 3..<8, style: [.bold, .italic])])
    }
}
