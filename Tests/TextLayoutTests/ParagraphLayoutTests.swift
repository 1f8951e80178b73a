import XCTest

@testable import TextLayout

final class ParagraphLayoutTests: XCTestCase {
    private func rows(_ text: String, width: Int = 40, _ configure: (inout LayoutOptions) -> Void = { _ in })
        -> [String]
    {
        var options = LayoutOptions(width: width)
        configure(&options)
        return ParagraphLayout(paragraph: text, options: options).lines.map { line in
            String(repeating: " ", count: line.indent) + line.cells.map(\.text).joined()
        }
    }

    // MARK: - Order, shaping, alignment

    func testLTRParagraphWithArabicRunAndNumbers() {
        XCTAssertEqual(rows("Hello مرحبا بالعالم 123!"), ["Hello 123 ﻢﻟﺎﻌﻟﺎﺑ ﺎﺒﺣﺮﻣ!"])
    }

    func testRTLParagraphIsRightAlignedWithMirroredBrackets() {
        let layout = ParagraphLayout(paragraph: "(مثال) text", options: LayoutOptions(width: 20))
        XCTAssertTrue(layout.isRTL)
        XCTAssertTrue(layout.alignsRight)
        let line = layout.lines[0]
        XCTAssertEqual(line.indent + line.usedWidth, 20, "flush with the right margin")
        XCTAssertEqual(line.cells.map(\.text).joined(), "text (ﻝﺎﺜﻣ)")
    }

    func testHarakatStayInTheirBaseLettersCell() {
        let text = "السَّلامُ"
        let layout = ParagraphLayout(paragraph: text, options: LayoutOptions(width: 20))
        let cells = layout.lines[0].cells
        XCTAssertEqual(cells.count, 6, "six letters, six cells, whatever the marks")
        XCTAssertEqual(layout.lines[0].usedWidth, 6)
        let sinWithMarks = cells.first { $0.source == 2..<5 }
        XCTAssertEqual(sinWithMarks?.text.unicodeScalars.count, 3, "seen + shadda + fatha in one cell")
        XCTAssertEqual(sinWithMarks?.width, 1)
    }

    func testLamAlefSeparateByDefaultAndLigatureWithoutAGap() {
        let separate = ParagraphLayout(paragraph: "ولا", options: LayoutOptions(width: 10))
        XCTAssertEqual(
            separate.lines[0].cells.map(\.text), ["ﺎ", "ﻟ", "ﻭ"], "waw does not join left: initial lam, final alef")
        let ligature = ParagraphLayout(paragraph: "ولا", options: LayoutOptions(width: 10, lamAlef: .ligature))
        XCTAssertEqual(
            ligature.lines[0].cells.filter { $0.width > 0 }.map(\.text), ["ﻻ", "ﻭ"],
            "the ligature on the lam's cell; the alef takes none")
        XCTAssertEqual(ligature.lines[0].usedWidth, 2)
        XCTAssertEqual(ligature.cell(forOffset: 2), ligature.cell(forOffset: 1), "both letters' carets on the ligature")
        // السلام: the ligature inside the word leaves no gap in it.
        let word = ParagraphLayout(paragraph: "السلام عليكم", options: LayoutOptions(width: 20, lamAlef: .ligature))
        let drawn = word.lines[0].cells.map(\.text).joined()
        XCTAssertEqual(drawn.split(separator: " ").count, 2, "two words, one space: \(drawn)")
        XCTAssertTrue(drawn.hasSuffix("ﻼﺴﻟﺍ"), drawn)
        let marked = ParagraphLayout(paragraph: "لَا", options: LayoutOptions(width: 10, lamAlef: .ligature))
        XCTAssertTrue(marked.lines[0].cells.contains { $0.text.unicodeScalars.contains("\u{064E}") }, "the fatha stays")
    }

    func testModesOffAndTerminalKeepLogicalOrderUnshaped() {
        for mode in [BidiMode.off, .terminal] {
            let layout = ParagraphLayout(paragraph: "(مثال) abc", options: LayoutOptions(width: 20, bidiMode: mode))
            XCTAssertEqual(layout.lines[0].cells.map(\.text).joined(), "(مثال) abc", "\(mode)")
            XCTAssertEqual(layout.lines[0].indent, 0)
            XCTAssertTrue(layout.isRTL, "direction is still reported for the status bar")
            XCTAssertFalse(layout.alignsRight)
        }
    }

    func testBaseDirectionOverride() {
        let forcedLTR = ParagraphLayout(paragraph: "مرحبا abc", options: LayoutOptions(width: 20, baseDirection: .ltr))
        XCTAssertFalse(forcedLTR.isRTL)
        XCTAssertEqual(forcedLTR.lines[0].indent, 0)
        XCTAssertEqual(forcedLTR.lines[0].cells.map(\.text).joined(), "ﺎﺒﺣﺮﻣ abc")
        let forcedRTL = ParagraphLayout(paragraph: "abc def", options: LayoutOptions(width: 20, baseDirection: .rtl))
        XCTAssertTrue(forcedRTL.alignsRight)
        XCTAssertEqual(forcedRTL.lines[0].cells.map(\.text).joined(), "abc def")
        XCTAssertEqual(forcedRTL.lines[0].indent, 13)
    }

    func testNoStrongCharacterMeansLTR() {
        let layout = ParagraphLayout(paragraph: "123 (456)", options: LayoutOptions(width: 20))
        XCTAssertFalse(layout.isRTL)
    }

    func testTabsAdvanceToTheNextStop() {
        let layout = ParagraphLayout(paragraph: "a\tbc\td", options: LayoutOptions(width: 40, tabWidth: 4))
        XCTAssertEqual(layout.lines[0].cells.map(\.column), [0, 1, 4, 5, 6, 8])
        XCTAssertEqual(layout.lines[0].cells[1].text, "   ")
    }

    func testWideAndInvisibleCharacters() {
        let layout = ParagraphLayout(paragraph: "a😀中\u{200F}b", options: LayoutOptions(width: 40))
        XCTAssertEqual(layout.lines[0].cells.map(\.width), [1, 2, 2, 0, 1])
        XCTAssertEqual(layout.lines[0].cells.map(\.column), [0, 1, 3, 5, 5])
        XCTAssertEqual(layout.lines[0].cells[3].text, "", "RLM is not sent to the terminal")
    }

    func testEmojiWithModifierStaysOneClusterInsideAnRTLRun() {
        let layout = ParagraphLayout(paragraph: "مرحبا 👍🏽 بك", options: LayoutOptions(width: 40))
        let thumbs = layout.lines[0].cells.first { $0.text.unicodeScalars.first == "👍" }
        XCTAssertEqual(thumbs?.text, "👍🏽", "the modifier stays after its base, not reversed")
        XCTAssertEqual(thumbs?.width, 4, "each scalar as wide as wcwidth says, as the terminal will draw them")
    }

    func testControlCharactersAndLoneMarksAreVisible() {
        let layout = ParagraphLayout(paragraph: "\u{0651}a\u{07}", options: LayoutOptions(width: 40))
        XCTAssertEqual(layout.lines[0].cells.map(\.text), ["\u{25CC}\u{0651}", "a", "\u{2407}"])
        XCTAssertEqual(layout.lines[0].usedWidth, 3)
    }

    // MARK: - Wrapping

    func testWrapsAtWordBoundariesInLogicalOrderThenReordersEachRow() {
        // Width 12: visible content takes at most 11 columns.
        let rows = self.rows("مرحبا بالعالم هذا نص طويل", width: 12)
        XCTAssertEqual(rows.count, 3)
        // Logical first row "مرحبا" is on top, right-aligned; words are not reordered across rows.
        XCTAssertEqual(rows[0].trimmingCharacters(in: .whitespaces), "ﺎﺒﺣﺮﻣ")
        XCTAssertTrue(rows[1].hasSuffix("ﻢﻟﺎﻌﻟﺎﺑ"))
        for row in rows { XCTAssertEqual(row.count, 12, "right-aligned to the full width: \(row)") }
    }

    func testShapingUsesTheWholeParagraphAcrossARowBreak() {
        // A word too long for a row is broken between letters; its letters keep the
        // joining forms they have in the whole word.
        let layout = ParagraphLayout(paragraph: "بببببب", options: LayoutOptions(width: 4))
        let texts = layout.lines.flatMap { $0.cells.map(\.text) }
        XCTAssertEqual(layout.lines.count, 2)
        XCTAssertTrue(texts.contains("ﺒ"), "medial forms survive the break")
        XCTAssertEqual(texts.filter { $0 == "ﺑ" }.count, 1, "only the logical first letter is initial")
        XCTAssertEqual(texts.filter { $0 == "ﺐ" }.count, 1, "only the logical last letter is final")
    }

    func testLongLTRWordIsBrokenAndEveryRowFits() {
        for width in 2...12 {
            let layout = ParagraphLayout(
                paragraph: "abcdefghijklmnopqrstuvwxyz 😀😀😀 中文中文", options: LayoutOptions(width: width))
            for line in layout.lines {
                XCTAssertLessThanOrEqual(line.indent + line.usedWidth, width, "width \(width)")
            }
            let clusters = layout.lines.flatMap(\.cells).count
            XCTAssertEqual(clusters, 35, "every cluster placed once at width \(width)")
        }
    }

    func testFullLastRowGetsAnEmptyRowForTheCaret() {
        let layout = ParagraphLayout(paragraph: "abcd ", options: LayoutOptions(width: 5))
        XCTAssertEqual(layout.lines.count, 2)
        XCTAssertEqual(layout.cell(forOffset: 5), CellPosition(line: 1, column: 0))
    }

    func testEmptyParagraph() {
        let ltr = ParagraphLayout(paragraph: "", startOffset: 7, options: LayoutOptions(width: 10))
        XCTAssertEqual(ltr.lines.count, 1)
        XCTAssertEqual(ltr.cell(forOffset: 7), CellPosition(line: 0, column: 0))
        XCTAssertEqual(ltr.offset(forCell: CellPosition(line: 0, column: 5)), 7)
        let rtl = ParagraphLayout(paragraph: "", options: LayoutOptions(width: 10, baseDirection: .rtl))
        XCTAssertEqual(rtl.cell(forOffset: 0), CellPosition(line: 0, column: 9))
    }

    // MARK: - Caret mapping

    func testEveryOffsetRoundTripsThroughItsCell() {
        for bidi in BidiMode.allCases {
            for lamAlef in LamAlefMode.allCases {
                for width in [6, 13, 80] {
                    for (n, text) in Corpus.lines.enumerated() {
                        let options = LayoutOptions(width: width, bidiMode: bidi, lamAlef: lamAlef)
                        let layout = ParagraphLayout(paragraph: text, startOffset: 100, options: options)
                        var seen = Set<CellPosition>()
                        // A ligature's alef shares the lam's cell; an end caret beside a run
                        // against the paragraph may share the cell visually next to it.
                        let shared = Set(
                            layout.lines.flatMap(\.cells).filter { $0.width == 0 && $0.text.isEmpty }.map {
                                $0.source.lowerBound + 100
                            } + (endSharesACell(layout) ? [text.utf16.count + 100] : []))
                        for offset in boundaries(text).map({ $0 + 100 }) where !shared.contains(offset) {
                            let place = layout.cell(forOffset: offset)
                            XCTAssertTrue(
                                seen.insert(place).inserted, "two offsets on \(place): line \(n) \(bidi) w\(width)")
                            XCTAssertTrue((0..<width).contains(place.column), "caret on screen")
                            XCTAssertEqual(
                                layout.offset(forCell: place), offset,
                                "line \(n) offset \(offset) \(bidi) \(lamAlef) w\(width) at \(place)")
                        }
                    }
                }
            }
        }
    }

    func testCaretAtDirectionBoundariesSitsOnTheCharacterAtTheIndex() {
        // "abc مرحبا def": the Arabic run is reversed between the English words.
        let text = "abc مرحبا def"
        let layout = ParagraphLayout(paragraph: text, options: LayoutOptions(width: 40))
        XCTAssertEqual(layout.lines[0].cells.map(\.text).joined(), "abc ﺎﺒﺣﺮﻣ def")
        XCTAssertEqual(layout.cell(forOffset: 4).column, 8, "first Arabic letter is drawn rightmost in its run")
        XCTAssertEqual(layout.cell(forOffset: 8).column, 4, "last Arabic letter is drawn leftmost")
        XCTAssertEqual(layout.cell(forOffset: 9).column, 9, "the space after the run")
        XCTAssertTrue(layout.isRTL(atOffset: 5))
        XCTAssertFalse(layout.isRTL(atOffset: 9))
        XCTAssertEqual(layout.cell(forOffset: 13).column, 13, "end of an LTR paragraph: after the content")
        let rtl = ParagraphLayout(paragraph: "مرحبا abc", options: LayoutOptions(width: 20))
        XCTAssertEqual(
            rtl.cell(forOffset: 9), CellPosition(line: 0, column: 14),
            "end of an RTL paragraph ending in English: right after the last English letter")
        let arabic = ParagraphLayout(paragraph: "مرحبا", options: LayoutOptions(width: 20))
        XCTAssertEqual(arabic.cell(forOffset: 5), CellPosition(line: 0, column: 14), "all Arabic: left of the content")
    }

    /// The caret stays beside the letters being typed, on the side their run
    /// continues, even when the run goes against the paragraph.
    func testTheEndCaretFollowsLettersTypedAgainstTheParagraph() {
        for (start, typed, rightOfLetter) in [("مرحبا", "abc", true), ("مرحبا ", "abc", true), ("abc ", "سلم", false)] {
            var text = start
            for letter in typed {
                text.append(letter)
                let layout = ParagraphLayout(paragraph: text, options: LayoutOptions(width: 30))
                let end = text.utf16.count
                let last = layout.lines[0].cells.first { $0.source.upperBound == end }!
                XCTAssertEqual(
                    layout.cell(forOffset: end).column, rightOfLetter ? last.column + 1 : last.column - 1,
                    "\(text): beside the \(letter) just typed")
                // Arrows still visit every place once, the end among them.
                var offset = layout.edgeOffset(line: 0, .left)
                var visited = [offset]
                while case let .moved(next) = layout.move(from: offset, .right) {
                    offset = next
                    visited.append(offset)
                }
                XCTAssertEqual(visited.count, text.count + 1, text)
                XCTAssertEqual(Set(visited).count, text.count + 1, text)
            }
        }
    }

    func testClicksBesideTheContentGoToTheRowEnds() {
        let ltr = ParagraphLayout(paragraph: "hello world again", options: LayoutOptions(width: 14))
        XCTAssertEqual(ltr.lines.count, 2)
        XCTAssertEqual(
            ltr.offset(forCell: CellPosition(line: 0, column: 13)), 11, "past a wrapped row: its last character")
        XCTAssertEqual(ltr.offset(forCell: CellPosition(line: 1, column: 13)), 17, "past the last row: the end")
        let rtl = ParagraphLayout(paragraph: "مرحبا", options: LayoutOptions(width: 12))
        XCTAssertEqual(rtl.offset(forCell: CellPosition(line: 0, column: 0)), 5, "left of RTL content: the end")
        XCTAssertEqual(
            rtl.offset(forCell: CellPosition(line: 0, column: 11)), 0, "the rightmost cell holds the first letter")
        XCTAssertEqual(rtl.offset(forCell: CellPosition(line: 0, column: 7)), 4)
    }

    // MARK: - Visual motion

    func testRightArrowVisitsEveryCellOfARowLeftToRight() {
        let text = "abc مرحبا 123 def"
        let layout = ParagraphLayout(paragraph: text, options: LayoutOptions(width: 40))
        var offset = layout.readingStartOffset(line: 0)
        var columns = [layout.cell(forOffset: offset).column]
        while case let .moved(next) = layout.move(from: offset, .right) {
            offset = next
            columns.append(layout.cell(forOffset: offset).column)
        }
        XCTAssertEqual(columns, Array(0...text.count), "one column at a time, ending after the content")
        XCTAssertEqual(layout.move(from: offset, .right), .pastEnd)
    }

    func testForwardMotionVisitsEveryCaretPlaceOnceInEveryParagraph() {
        for width in [7, 40] {
            for (n, text) in Corpus.lines.enumerated() {
                let layout = ParagraphLayout(paragraph: text, options: LayoutOptions(width: width))
                let forward: HorizontalDirection = layout.alignsRight ? .left : .right
                var offset = layout.readingStartOffset(line: 0)
                var visited = [offset]
                while case let .moved(next) = layout.move(from: offset, forward) {
                    offset = next
                    visited.append(offset)
                    if visited.count > 500 { break }
                }
                let expected = Set(visibleBoundaries(layout) + [text.utf16.count])
                XCTAssertEqual(visited.count, expected.count, "line \(n) width \(width)")
                XCTAssertEqual(Set(visited), expected, "line \(n) width \(width)")
                // And back again.
                var back = [offset]
                while case let .moved(next) = layout.move(from: offset, forward == .left ? .right : .left) {
                    offset = next
                    back.append(offset)
                    if back.count > 500 { break }
                }
                XCTAssertEqual(back.reversed(), visited, "line \(n) width \(width): backward retraces forward")
            }
        }
    }

    func testWordAndClusterBoundaries() {
        let text = "كَتَبَ the  word."
        let layout = ParagraphLayout(paragraph: text, startOffset: 10, options: LayoutOptions(width: 40))
        XCTAssertEqual(layout.nextClusterBoundary(after: 10), 12, "a letter and its haraka are one step")
        XCTAssertEqual(layout.previousClusterBoundary(before: 16), 14)
        XCTAssertEqual(layout.nextWordBoundary(after: 10), 16)
        XCTAssertEqual(layout.nextWordBoundary(after: 16), 20)
        XCTAssertEqual(layout.nextWordBoundary(after: 20), 26)
        XCTAssertEqual(layout.previousWordBoundary(before: 27), 22)
        XCTAssertEqual(layout.previousWordBoundary(before: 17), 10, "back over the space to the Arabic word's start")
        XCTAssertEqual(layout.clusterStart(atOrBefore: 11), 10, "never inside a grapheme")
        XCTAssertNil(layout.nextClusterBoundary(after: 27))
        XCTAssertNil(layout.previousClusterBoundary(before: 10))
    }

    // MARK: - Helpers

    /// Every grapheme boundary of `text` as UTF-16 offsets, including its end.
    private func boundaries(_ text: String) -> [Int] {
        var result = [0]
        var offset = 0
        for character in text {
            offset += character.utf16.count
            result.append(offset)
        }
        return result
    }

    /// Whether the paragraph ends in a run against its direction (its end caret
    /// then sits beside that run, maybe on the next cell's column).
    private func endSharesACell(_ layout: ParagraphLayout) -> Bool {
        guard
            let last = layout.lines.last?.cells.filter({ $0.width > 0 }).max(by: {
                $0.source.lowerBound < $1.source.lowerBound
            })
        else { return false }
        return last.isRTL != layout.alignsRight
    }

    private func visibleBoundaries(_ layout: ParagraphLayout) -> [Int] {
        layout.lines.flatMap(\.cells).filter { $0.width > 0 }.map(\.source.lowerBound)
    }
}
