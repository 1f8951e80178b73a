import TestSupport
import XCTest

@testable import TextLayout

final class DocumentLayoutTests: XCTestCase {
    private let options = LayoutOptions(width: 20)

    func testSplitsIntoParagraphsAtNewlinesOnly() {
        let document = DocumentLayout(text: "one\r\ntwo\n\nمرحبا", options: options)
        XCTAssertEqual(document.paragraphCount, 4)
        XCTAssertEqual(document.paragraphText(0), "one\r", "\\r\\n is one Character but still ends a paragraph")
        XCTAssertEqual(document.paragraphStart(3), 10)
        XCTAssertEqual(document.utf16Count, 15)
        XCTAssertEqual(document.paragraphIndex(containing: 4), 0, "the newline belongs to the paragraph it ends")
        XCTAssertEqual(document.paragraphIndex(containing: 5), 1)
        XCTAssertEqual(document.text, "one\r\ntwo\n\nمرحبا")
    }

    func testEditsMatchAPlainStringModel() throws {
        var generator = SplitMix64(seed: 42)
        let alphabet: [String] = ["a", "b", " ", "\n", "م", "ر", "َ", "😀", "1", "(", "لا", "\t"]
        var model: [UInt16] = Array("start\nسطر ثاني\nend".utf16)
        let document = DocumentLayout(text: String(decoding: model, as: UTF16.self), options: options)
        for step in 0..<400 {
            let lower = Int.random(in: 0...model.count, using: &generator)
            let upper = min(model.count, lower + Int.random(in: 0...4, using: &generator))
            let insert = (0..<Int.random(in: 0...3, using: &generator))
                .map { _ in alphabet.randomElement(using: &generator) ?? "" }.joined()
            // Keep the model free of split surrogate pairs, as a real document is.
            let safeLower = snap(model, lower)
            let safeUpper = max(safeLower, snap(model, upper))
            model.replaceSubrange(safeLower..<safeUpper, with: Array(insert.utf16))
            try document.replace(safeLower..<safeUpper, with: insert)
            XCTAssertEqual(document.text, String(decoding: model, as: UTF16.self), "step \(step)")
            XCTAssertEqual(document.utf16Count, model.count)
            // Every paragraph's layout sits where the model says.
            let p = document.paragraphIndex(containing: safeLower)
            XCTAssertEqual(document.layout(ofParagraph: p).startOffset, document.paragraphStart(p))
        }
    }

    func testOutOfRangeEditChangesNothing() {
        let document = DocumentLayout(text: "abc\ndef", options: options)
        XCTAssertThrowsError(try document.replace(5..<9, with: "x")) { error in
            XCTAssertEqual(error as? TextLayoutError, .rangeOutOfBounds(lower: 5, upper: 9, length: 7))
            XCTAssertTrue("\(error)".contains("outside the text"))
        }
        XCTAssertThrowsError(try document.replace(-1..<0, with: "x"))
        XCTAssertEqual(document.text, "abc\ndef")
    }

    func testAnEditReLaysOnlyTheParagraphItTouches() throws {
        let paragraphs = (0..<200).map { "سطر رقم \($0) with some English text" }
        let document = DocumentLayout(text: paragraphs.joined(separator: "\n"), options: options)
        for p in 0..<document.paragraphCount { _ = document.layout(ofParagraph: p) }
        XCTAssertEqual(document.cachedParagraphCount, 200)
        let end = document.utf16Count
        try document.replace(end..<end, with: "!")
        XCTAssertEqual(document.cachedParagraphCount, 199, "only the last paragraph was dropped")
        try document.replace(0..<0, with: "x")
        XCTAssertEqual(document.cachedParagraphCount, 198)
        // Cached paragraphs after the edit still map to the right document offsets.
        let start = document.paragraphStart(100)
        XCTAssertEqual(document.layout(ofParagraph: 100).startOffset, start)
        XCTAssertEqual(document.position(forOffset: start).row, RowAddress(paragraph: 100, line: 0))
        XCTAssertEqual(document.offset(row: RowAddress(paragraph: 100, line: 0), column: 0) >= start, true)
    }

    func testOnlyParagraphsInViewAreLaidOut() {
        let big = String(repeating: "سطر عربي and English mixed, 123.\n", count: 30_000)
        XCTAssertGreaterThan(big.utf8.count, 1_000_000)
        let document = DocumentLayout(text: big, options: LayoutOptions(width: 80))
        let last = document.lastRow
        _ = document.row(last, offsetBy: -24)
        XCTAssertLessThan(document.cachedParagraphCount, 30, "drawing the last screen lays out only what is shown")
    }

    func testArrowsEnterANeighbouringParagraphAtTheEdgeTheyKeepMovingFrom() {
        // ¶0 "ab" (LTR), ¶1 "مر" (RTL, right-aligned), ¶2 "cd".
        let document = DocumentLayout(text: "ab\nمر\ncd", options: LayoutOptions(width: 10))
        // → at the end of the English line goes on through the Arabic line below.
        XCTAssertEqual(document.moveVisually(from: 2, .right), 5, "into ¶1 at its left edge")
        XCTAssertEqual(document.position(forOffset: 5).column, 7, "left of the Arabic text")
        XCTAssertEqual(document.moveVisually(from: 5, .right), 4)
        XCTAssertEqual(document.moveVisually(from: 4, .right), 3)
        XCTAssertEqual(document.position(forOffset: 3).column, 9, "the first Arabic letter, rightmost")
        XCTAssertEqual(
            document.moveVisually(from: 3, .right), 0, "past its right edge → reads backwards: up, at the left edge")
        // ← reads forward in the Arabic line and enters the next line at its right edge.
        XCTAssertEqual(document.moveVisually(from: 3, .left), 4)
        XCTAssertEqual(document.moveVisually(from: 4, .left), 5, "the end of ¶1, left of its text")
        XCTAssertEqual(document.moveVisually(from: 5, .left), 8, "into ¶2 at its right edge")
        XCTAssertEqual(document.moveVisually(from: 6, .left), 3, "back into ¶1 at its right edge")
        XCTAssertEqual(document.moveVisually(from: 0, .left), 0, "nothing before the start")
        XCTAssertEqual(document.moveVisually(from: 8, .right), 8, "nothing after the end")
        // No arrow ever bounces between two places.
        for start in 0...8 {
            for direction in [HorizontalDirection.left, .right] {
                let first = document.moveVisually(from: start, direction)
                guard first != start else { continue }
                XCTAssertNotEqual(document.moveVisually(from: first, direction), start, "\(start) \(direction)")
            }
        }
    }

    func testVerticalMotionAndRows() {
        let document = DocumentLayout(
            text: "hello world again\nshort\nمرحبا بالعالم", options: LayoutOptions(width: 12))
        XCTAssertEqual(document.layout(ofParagraph: 0).lines.count, 2)
        let below = document.moveVertically(from: 2, rows: 1, column: 2)
        XCTAssertEqual(document.position(forOffset: below).row, RowAddress(paragraph: 0, line: 1))
        let twoBelow = document.moveVertically(from: 2, rows: 2, column: 2)
        XCTAssertEqual(twoBelow, 20, "'short' column 2")
        XCTAssertEqual(document.row(RowAddress(paragraph: 0, line: 0), offsetBy: 100), document.lastRow)
        XCTAssertEqual(document.row(document.lastRow, offsetBy: -100), RowAddress(paragraph: 0, line: 0))
        XCTAssertEqual(
            document.rowDistance(from: RowAddress(paragraph: 0, line: 0), to: document.lastRow, limit: 50), 4)
        XCTAssertEqual(
            document.rowDistance(from: document.lastRow, to: RowAddress(paragraph: 0, line: 1), limit: 50), -3)
    }

    func testLogicalMotionAcrossNewlines() {
        let document = DocumentLayout(text: "بَ\nx", options: options)
        XCTAssertEqual(document.nextClusterBoundary(after: 0), 2)
        XCTAssertEqual(document.nextClusterBoundary(after: 2), 3, "the newline is one step")
        XCTAssertEqual(document.previousClusterBoundary(before: 3), 2)
        XCTAssertEqual(document.previousClusterBoundary(before: 2), 0)
        XCTAssertNil(document.previousClusterBoundary(before: 0))
        XCTAssertNil(document.nextClusterBoundary(after: 4))
        XCTAssertEqual(document.nextWordBoundary(after: 2), 4)
        XCTAssertEqual(document.previousWordBoundary(before: 3), 0)
        XCTAssertEqual(document.clusterStart(atOrBefore: 1), 0)
        XCTAssertEqual(document.text(in: 1..<4), "َ\nx")
    }

    func testHomeAndEndUseTheLogicalRowEnds() {
        let document = DocumentLayout(text: "hello world again", options: LayoutOptions(width: 14))
        XCTAssertEqual(document.lineStart(containing: 14), 12)
        XCTAssertEqual(document.lineEnd(containing: 14), 17)
        XCTAssertEqual(document.lineStart(containing: 3), 0)
        XCTAssertEqual(document.lineEnd(containing: 3), 11)
    }

    func testNewOptionsReflow() {
        let document = DocumentLayout(text: "hello world again", options: LayoutOptions(width: 40))
        XCTAssertEqual(document.layout(ofParagraph: 0).lines.count, 1)
        document.setOptions(LayoutOptions(width: 8))
        XCTAssertEqual(document.layout(ofParagraph: 0).lines.count, 3)
        document.setOptions(LayoutOptions(width: 8, baseDirection: .rtl))
        XCTAssertTrue(document.layout(ofParagraph: 0).alignsRight)
    }

    // MARK: - Helpers

    private func snap(_ units: [UInt16], _ offset: Int) -> Int {
        guard offset > 0, offset < units.count else { return offset }
        return UTF16.isTrailSurrogate(units[offset]) ? offset - 1 : offset
    }
}
