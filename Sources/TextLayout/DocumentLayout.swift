/// A wrong offset or range handed to `DocumentLayout`.
public enum TextLayoutError: Error, Equatable, CustomStringConvertible {
    /// An edit range reaches outside the text.
    case rangeOutOfBounds(lower: Int, upper: Int, length: Int)

    public var description: String {
        switch self {
        case let .rangeOutOfBounds(lower, upper, length):
            return "edit range \(lower)..<\(upper) lies outside the text (0..<\(length) UTF-16 units); "
                + "the layout was left unchanged — resynchronise it with setText(_:)"
        }
    }
}

/// A screen row of the document: a paragraph and one of its visual lines.
public struct RowAddress: Equatable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The paragraph, counted from 0.
    public var paragraph: Int
    /// The visual line within the paragraph, counted from 0.
    public var line: Int

    public init(paragraph: Int, line: Int) {
        self.paragraph = paragraph
        self.line = line
    }

    public static func < (a: RowAddress, b: RowAddress) -> Bool {
        (a.paragraph, a.line) < (b.paragraph, b.line)
    }

    public var description: String { "¶\(paragraph):\(line)" }
}

/// The whole document as paragraphs, each laid out on demand and cached, so that an
/// edit re-lays only the paragraphs it touched and a screen shows after laying out only
/// the paragraphs in view. Offsets are UTF-16 code units, as in Yjs.
///
/// A class, because the cache is filled by reads; it is meant to be owned by the one
/// thread that draws the screen and is not safe to share between threads.
public final class DocumentLayout {
    /// The options every paragraph is laid out with.
    public private(set) var options: LayoutOptions
    private var paragraphs: [String]
    private var lengths: [Int]
    private var starts: [Int]
    private var cache: [ParagraphLayout?]

    public init(text: String = "", options: LayoutOptions) {
        self.options = options
        (paragraphs, lengths) = Self.splitCounting(text)
        starts = []
        cache = []
        rebuildStarts(from: 0)
        cache = Array(repeating: nil, count: paragraphs.count)
    }

    // MARK: - Text

    /// The number of paragraphs (newlines plus one).
    public var paragraphCount: Int { paragraphs.count }

    /// The text's length in UTF-16 code units.
    public var utf16Count: Int { starts[starts.count - 1] + lengths[lengths.count - 1] }

    /// The whole text.
    public var text: String { paragraphs.joined(separator: "\n") }

    /// The text of paragraph `index` (clamped), without its newline.
    public func paragraphText(_ index: Int) -> String { paragraphs[clampParagraph(index)] }

    /// The document offset where paragraph `index` (clamped) starts.
    public func paragraphStart(_ index: Int) -> Int { starts[clampParagraph(index)] }

    /// The paragraph holding `offset`; the offset of a newline belongs to the
    /// paragraph it ends.
    public func paragraphIndex(containing offset: Int) -> Int {
        starts.lastIndex(atMost: offset, through: starts.count - 1)
    }

    /// The text in a UTF-16 range (clamped to the document), e.g. for copying.
    public func text(in range: Range<Int>) -> String {
        let lower = min(max(range.lowerBound, 0), utf16Count)
        let upper = min(max(range.upperBound, lower), utf16Count)
        guard lower < upper else { return "" }
        let first = paragraphIndex(containing: lower)
        let last = paragraphIndex(containing: upper)
        var parts: [String] = []
        for p in first...last {
            let from = p == first ? lower - starts[p] : 0
            let to = p == last ? upper - starts[p] : lengths[p]
            parts.append(Self.utf16Slice(paragraphs[p], from: from, to: to))
        }
        return parts.joined(separator: "\n")
    }

    /// Replaces the whole text and drops every cached layout.
    public func setText(_ text: String) {
        (paragraphs, lengths) = Self.splitCounting(text)
        rebuildStarts(from: 0)
        cache = Array(repeating: nil, count: paragraphs.count)
    }

    /// Applies one edit: the UTF-16 `range` is replaced by `replacement`. Only the
    /// paragraphs the range touches are re-split and lose their cached layout; the
    /// offsets of the ones after it shift.
    /// - Throws: `TextLayoutError.rangeOutOfBounds`, changing nothing, if the range
    ///   reaches outside the text.
    public func replace(_ range: Range<Int>, with replacement: String) throws {
        let total = utf16Count
        guard range.lowerBound >= 0, range.upperBound <= total else {
            throw TextLayoutError.rangeOutOfBounds(lower: range.lowerBound, upper: range.upperBound, length: total)
        }
        let first = paragraphIndex(containing: range.lowerBound)
        let last = paragraphIndex(containing: range.upperBound)
        let head = Self.utf16Slice(paragraphs[first], from: 0, to: range.lowerBound - starts[first])
        let tail = Self.utf16Slice(paragraphs[last], from: range.upperBound - starts[last], to: lengths[last])
        let pieces = Self.split(head + replacement + tail)
        paragraphs.replaceSubrange(first...last, with: pieces)
        lengths.replaceSubrange(first...last, with: pieces.map { $0.utf16.count })
        cache.replaceSubrange(first...last, with: Array(repeating: nil, count: pieces.count))
        starts.replaceSubrange(first...last, with: Array(repeating: 0, count: pieces.count))
        rebuildStarts(from: first)
    }

    /// Changes the options; a change drops every cached layout (a new width reflows
    /// everything).
    public func setOptions(_ newOptions: LayoutOptions) {
        guard newOptions != options else { return }
        options = newOptions
        cache = Array(repeating: nil, count: paragraphs.count)
    }

    // MARK: - Layout

    /// The layout of paragraph `index` (clamped), from the cache when it is there.
    public func layout(ofParagraph index: Int) -> ParagraphLayout {
        let p = clampParagraph(index)
        if var cached = cache[p] {
            cached.startOffset = starts[p]
            return cached
        }
        let fresh = ParagraphLayout(paragraph: paragraphs[p], startOffset: starts[p], options: options)
        cache[p] = fresh
        return fresh
    }

    /// The layout of the paragraph holding `offset`.
    public func layout(containing offset: Int) -> ParagraphLayout {
        layout(ofParagraph: paragraphIndex(containing: offset))
    }

    /// How many paragraph layouts are cached (for tests and benchmarks).
    public var cachedParagraphCount: Int { cache.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    // MARK: - Rows

    /// The screen row and column of the caret at `offset`.
    public func position(forOffset offset: Int) -> (row: RowAddress, column: Int) {
        let p = paragraphIndex(containing: offset)
        let place = layout(ofParagraph: p).cell(forOffset: offset)
        return (RowAddress(paragraph: p, line: place.line), place.column)
    }

    /// The caret offset for a click at `column` of `row`.
    public func offset(row: RowAddress, column: Int) -> Int {
        let p = clampParagraph(row.paragraph)
        return layout(ofParagraph: p).offset(forCell: CellPosition(line: row.line, column: column))
    }

    /// The visual line of `row`, or nil past the document's ends.
    public func line(at row: RowAddress) -> VisualLine? {
        guard paragraphs.indices.contains(row.paragraph) else { return nil }
        let lines = layout(ofParagraph: row.paragraph).lines
        return lines.indices.contains(row.line) ? lines[row.line] : nil
    }

    /// The row `count` rows below `row` (above for a negative count), stopping at the
    /// document's first and last rows.
    public func row(_ row: RowAddress, offsetBy count: Int) -> RowAddress {
        var current = RowAddress(paragraph: clampParagraph(row.paragraph), line: max(0, row.line))
        current.line = min(current.line, layout(ofParagraph: current.paragraph).lines.count - 1)
        var remaining = count
        while remaining > 0 {
            let lines = layout(ofParagraph: current.paragraph).lines.count
            let step = min(remaining, lines - 1 - current.line)
            if step > 0 {
                current.line += step
                remaining -= step
            } else if current.paragraph + 1 < paragraphs.count {
                current = RowAddress(paragraph: current.paragraph + 1, line: 0)
                remaining -= 1
            } else {
                break
            }
        }
        while remaining < 0 {
            let step = min(-remaining, current.line)
            if step > 0 {
                current.line -= step
                remaining += step
            } else if current.paragraph > 0 {
                let previous = current.paragraph - 1
                current = RowAddress(paragraph: previous, line: layout(ofParagraph: previous).lines.count - 1)
                remaining += 1
            } else {
                break
            }
        }
        return current
    }

    /// The number of rows from `a` down to `b` (negative if `b` is above), counting
    /// at most `limit` rows either way.
    public func rowDistance(from a: RowAddress, to b: RowAddress, limit: Int) -> Int {
        if a == b { return 0 }
        let downward = a < b
        var current = a
        var steps = 0
        while current != b && steps < limit {
            let next = row(current, offsetBy: downward ? 1 : -1)
            if next == current { break }
            current = next
            steps += 1
        }
        return downward ? steps : -steps
    }

    /// The document's last row.
    public var lastRow: RowAddress {
        let p = paragraphs.count - 1
        return RowAddress(paragraph: p, line: layout(ofParagraph: p).lines.count - 1)
    }

    // MARK: - Caret motion

    /// Left or right arrow: one cell on screen, continuing into the neighbouring
    /// paragraph (as `ParagraphLayout.move` goes from row to row): it is entered at
    /// the edge the caret keeps moving from, so → from the end of an English line
    /// goes on through the Arabic line below instead of bouncing between the two.
    /// Stays put at the document's ends.
    public func moveVisually(from offset: Int, _ direction: HorizontalDirection) -> Int {
        let p = paragraphIndex(containing: offset)
        let entry: HorizontalDirection = direction == .right ? .left : .right
        switch layout(ofParagraph: p).move(from: offset, direction) {
        case let .moved(to):
            return to
        case .pastEnd:
            guard p + 1 < paragraphs.count else { return offset }
            return layout(ofParagraph: p + 1).edgeOffset(line: 0, entry)
        case .beforeStart:
            guard p > 0 else { return offset }
            let previous = layout(ofParagraph: p - 1)
            return previous.edgeOffset(line: previous.lines.count - 1, entry)
        }
    }

    /// Up or down arrow and page keys: `rows` rows down (up if negative), at screen
    /// column `column` (the caret's remembered column).
    public func moveVertically(from offset: Int, rows: Int, column: Int) -> Int {
        let target = row(position(forOffset: offset).row, offsetBy: rows)
        return self.offset(row: target, column: column)
    }

    /// The next grapheme boundary (a newline is one step), or nil at the end.
    public func nextClusterBoundary(after offset: Int) -> Int? {
        let p = paragraphIndex(containing: offset)
        if let next = layout(ofParagraph: p).nextClusterBoundary(after: offset) { return next }
        return p + 1 < paragraphs.count ? starts[p + 1] : nil
    }

    /// The previous grapheme boundary (a newline is one step), or nil at the start.
    public func previousClusterBoundary(before offset: Int) -> Int? {
        let p = paragraphIndex(containing: offset)
        if let previous = layout(ofParagraph: p).previousClusterBoundary(before: offset) { return previous }
        return p > 0 ? starts[p] - 1 : nil
    }

    /// The end of the next word in logical order (across paragraphs).
    public func nextWordBoundary(after offset: Int) -> Int {
        var p = paragraphIndex(containing: offset)
        var from = offset
        while true {
            let paragraph = layout(ofParagraph: p)
            if let end = paragraph.nextWordBoundary(after: from), end > from { return end }
            guard p + 1 < paragraphs.count else { return paragraph.endOffset }
            p += 1
            from = starts[p]
        }
    }

    /// The start of the previous word in logical order (across paragraphs).
    public func previousWordBoundary(before offset: Int) -> Int {
        var p = paragraphIndex(containing: offset)
        var from = offset
        while true {
            let paragraph = layout(ofParagraph: p)
            if let start = paragraph.previousWordBoundary(before: from), start < from { return start }
            guard p > 0 else { return 0 }
            p -= 1
            from = starts[p] + lengths[p]
        }
    }

    /// `offset` moved back to the start of its grapheme cluster.
    public func clusterStart(atOrBefore offset: Int) -> Int {
        layout(containing: offset).clusterStart(atOrBefore: min(max(offset, 0), utf16Count))
    }

    /// The logical start of the screen row holding `offset` (Home).
    public func lineStart(containing offset: Int) -> Int {
        layout(containing: offset).lineStartOffset(containing: offset)
    }

    /// The logical end of the screen row holding `offset` (End).
    public func lineEnd(containing offset: Int) -> Int {
        layout(containing: offset).lineEndOffset(containing: offset)
    }

    // MARK: - Helpers

    private func clampParagraph(_ index: Int) -> Int { min(max(index, 0), paragraphs.count - 1) }

    private func rebuildStarts(from first: Int) {
        if starts.count != paragraphs.count {
            starts = Array(repeating: 0, count: paragraphs.count)
        }
        var offset = first == 0 ? 0 : starts[first - 1] + lengths[first - 1] + 1
        for i in first..<paragraphs.count {
            starts[i] = offset
            offset += lengths[i] + 1
        }
    }

    /// `split` with each paragraph's UTF-16 length, counted from the UTF-8 bytes in
    /// the same pass (asking each String for its UTF-16 count would transcode the
    /// whole text a second time, and a large document opens that much later).
    static func splitCounting(_ text: String) -> ([String], [Int]) {
        var text = text
        return text.withUTF8 { bytes in
            var paragraphs: [String] = []
            var lengths: [Int] = []
            var start = 0
            var units = 0
            for i in 0..<bytes.count {
                let byte = bytes[i]
                if byte == 0x0A {
                    paragraphs.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
                    lengths.append(units)
                    start = i + 1
                    units = 0
                } else if byte & 0xC0 != 0x80 {
                    // A scalar's first byte: one unit, two for those beyond the BMP.
                    units += byte >= 0xF0 ? 2 : 1
                }
            }
            paragraphs.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self))
            lengths.append(units)
            return (paragraphs, lengths)
        }
    }

    /// Splits at U+000A (only: "\r\n" is one Character in Swift, so splitting by
    /// Character would miss it); always at least one paragraph.
    static func split(_ text: String) -> [String] {
        text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { String(Substring($0)) }
    }

    /// The UTF-16 units `from..<to` of `s`; a cut through a surrogate pair turns the
    /// lone half into U+FFFD, which keeps the length.
    static func utf16Slice(_ s: String, from: Int, to: Int) -> String {
        let units = s.utf16
        let count = units.count
        let lower = min(max(from, 0), count)
        let upper = min(max(to, lower), count)
        if lower == 0 && upper == count { return s }
        let a = units.index(units.startIndex, offsetBy: lower)
        let b = units.index(a, offsetBy: upper - lower)
        return String(decoding: Array(units[a..<b]), as: UTF16.self)
    }
}
