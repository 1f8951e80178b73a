/// One paragraph (the text between two newlines) laid out on screen rows: wrapped in
/// logical order, each row reordered and shaped, RTL paragraphs right-aligned; with the
/// maps between UTF-16 offsets (Yjs indices) and screen cells both ways.
///
/// The caret convention is VTE's: the caret sits on the cell of the character *at*
/// its logical index. The index after the paragraph's last character sits just past
/// the last row's content: right of it in a left-to-right paragraph, left of it in a
/// right-aligned one. So that this place always exists on screen, non-blank content
/// wraps one column short of the width (only whitespace may use the last column), and
/// a row that is full anyway is followed by an empty one.
public struct ParagraphLayout: Sendable {
    /// The paragraph's first UTF-16 offset in the document.
    public var startOffset: Int
    /// The paragraph's length in UTF-16 code units, without its newline.
    public let length: Int
    /// The screen rows, top to bottom; never empty.
    public let lines: [VisualLine]
    /// Whether the resolved base direction is right-to-left (also in `terminal` and
    /// `off` modes, for the status bar).
    public let isRTL: Bool
    /// Whether rows are right-aligned and the paragraph reads right to left on screen
    /// (an RTL paragraph in `app` mode).
    public let alignsRight: Bool
    /// The width the paragraph was laid out for.
    public let width: Int

    /// Cluster boundaries (relative UTF-16 offsets), with `length` appended.
    let clusterStarts: [Int]
    /// For each cluster: its row and its index among that row's cells.
    let clusterLine: [Int]
    let clusterCell: [Int]
    let clusterKind: [ClusterKind]

    enum ClusterKind: UInt8, Sendable {
        case space, word, punctuation
    }

    /// Lays out `paragraph` (which should hold no newline; one would be drawn as a
    /// control picture) whose first character is at document offset `startOffset`.
    public init(paragraph: String, startOffset: Int = 0, options: LayoutOptions) {
        self = DisplayWidth.withUTF8Locale {
            ParagraphBuilder(text: paragraph, options: options).build(startOffset: startOffset)
        }
    }

    init(
        startOffset: Int, length: Int, lines: [VisualLine], isRTL: Bool, alignsRight: Bool, width: Int,
        clusterStarts: [Int], clusterLine: [Int], clusterCell: [Int], clusterKind: [ClusterKind]
    ) {
        self.startOffset = startOffset
        self.length = length
        self.lines = lines
        self.isRTL = isRTL
        self.alignsRight = alignsRight
        self.width = width
        self.clusterStarts = clusterStarts
        self.clusterLine = clusterLine
        self.clusterCell = clusterCell
        self.clusterKind = clusterKind
    }

    /// The document offset just past the paragraph's last character.
    public var endOffset: Int { startOffset + length }

    /// The number of grapheme clusters.
    public var clusterCount: Int { clusterStarts.count - 1 }

    // MARK: - Offsets to cells

    /// The screen place of the caret at document offset `offset` (clamped to the
    /// paragraph; an offset inside a cluster counts as that cluster's start).
    public func cell(forOffset offset: Int) -> CellPosition {
        let rel = min(max(offset - startOffset, 0), length)
        guard rel < length, let ci = clusterIndex(containing: rel) else { return endCaret }
        let line = clusterLine[ci]
        return CellPosition(line: line, column: lines[line].cells[clusterCell[ci]].column)
    }

    /// Where the caret after the last character is drawn: beside the last character,
    /// on the side its run continues (right of it in a left-to-right run, left of it
    /// in a right-to-left one), so that the caret stays with the letters being typed
    /// even when the run goes against the paragraph ("abc" typed at the end of an
    /// Arabic paragraph, or Arabic at the end of an English one). Then it may share
    /// the cell of the character that is visually next.
    var endCaret: CellPosition {
        let last = lines.count - 1
        let line = lines[last]
        if let (cell, _) = lastClusterCell(onLine: last), cell.isRTL != alignsRight {
            let column = cell.isRTL ? cell.column - 1 : cell.column + cell.width
            return CellPosition(line: last, column: min(max(column, 0), width - 1))
        }
        let column = alignsRight ? line.indent - 1 : line.indent + line.usedWidth
        return CellPosition(line: last, column: min(max(column, 0), width - 1))
    }

    /// The cell of the paragraph's last visible cluster, when it is on row `line`.
    private func lastClusterCell(onLine line: Int) -> (Cell, Int)? {
        var ci = clusterCount - 1
        while ci >= 0 {
            guard clusterLine[ci] == line else { return nil }
            let cell = lines[line].cells[clusterCell[ci]]
            if cell.width > 0 { return (cell, ci) }
            ci -= 1
        }
        return nil
    }

    /// Whether the character at `offset` is drawn right to left (the run direction the
    /// status bar shows); at the paragraph end, the paragraph's direction.
    public func isRTL(atOffset offset: Int) -> Bool {
        let rel = min(max(offset - startOffset, 0), length)
        guard rel < length, let ci = clusterIndex(containing: rel) else { return isRTL }
        return lines[clusterLine[ci]].cells[clusterCell[ci]].isRTL
    }

    // MARK: - Cells to offsets

    /// The document offset of the caret for a click at `position`: the character under
    /// it, or the row's start or end beside the content (by reading direction).
    public func offset(forCell position: CellPosition) -> Int {
        let lineIndex = min(max(position.line, 0), lines.count - 1)
        let line = lines[lineIndex]
        for cell in line.cells where cell.width > 0 {
            if position.column >= cell.column && position.column < cell.column + cell.width {
                return startOffset + cell.source.lowerBound
            }
        }
        let beforeContent = position.column < line.indent
        let atReadingEnd = alignsRight ? beforeContent : !beforeContent
        return startOffset + (atReadingEnd ? lineEnd(lineIndex) : line.source.lowerBound)
    }

    /// The last caret place of a row in logical order: the paragraph end for the last
    /// row, else the start of the row's last cluster (the end itself belongs to the
    /// next row).
    func lineEnd(_ lineIndex: Int) -> Int {
        let line = lines[lineIndex]
        if lineIndex == lines.count - 1 || line.source.isEmpty { return line.source.upperBound }
        return clusterStarts[clusterIndex(containing: line.source.upperBound - 1) ?? 0]
    }

    /// The logical start of the row holding `offset`, as a document offset (Home).
    public func lineStartOffset(containing offset: Int) -> Int {
        startOffset + lines[cell(forOffset: offset).line].source.lowerBound
    }

    /// The logical end of the row holding `offset`, as a document offset (End).
    public func lineEndOffset(containing offset: Int) -> Int {
        startOffset + lineEnd(cell(forOffset: offset).line)
    }

    // MARK: - Visual motion

    /// The outcome of a left or right arrow inside one paragraph.
    public enum VisualMove: Equatable, Sendable {
        /// The caret moves to this document offset.
        case moved(to: Int)
        /// The caret leaves the paragraph at its reading end (into the next one).
        case pastEnd
        /// The caret leaves the paragraph at its reading start (into the previous one).
        case beforeStart
    }

    /// Caret places of a row from left to right: every visible cell, and on the last
    /// row the place after the last character (which may share a column with a
    /// cell: it then comes on the side of that cell its own run continues from).
    func stops(line lineIndex: Int) -> [(column: Int, offset: Int)] {
        var stops: [(column: Int, offset: Int)] = []
        for cell in lines[lineIndex].cells where cell.width > 0 {
            stops.append((cell.column, cell.source.lowerBound))
        }
        if lineIndex == lines.count - 1 {
            let end = endCaret.column
            // Right after a left-to-right letter the end comes before the cell it
            // shares; left of a right-to-left letter, after it.
            let endFirst = lastClusterCell(onLine: lineIndex).map { !$0.0.isRTL } ?? true
            let index =
                stops.firstIndex { $0.column > end || ($0.column == end && endFirst) } ?? stops.count
            stops.insert((end, length), at: index)
        }
        return stops
    }

    /// Moves the caret at `offset` one place left or right on screen: across
    /// direction boundaries by what is visually adjacent; past a row's edge onto the
    /// next row when the key reads forward in this paragraph (→ in left-to-right,
    /// ← in right-to-left), else the previous row, entering it at the edge the caret
    /// keeps moving from (→ enters at the left edge, ← at the right), so that the
    /// next press goes on in the same direction on screen.
    public func move(from offset: Int, _ direction: HorizontalDirection) -> VisualMove {
        let position = cell(forOffset: offset)
        let rowStops = stops(line: position.line)
        let rel = min(max(offset - startOffset, 0), length)
        let index =
            rowStops.firstIndex { $0.offset == rel } ?? rowStops.firstIndex { $0.column >= position.column }
            ?? (rowStops.count - 1)
        let target = direction == .right ? index + 1 : index - 1
        if rowStops.indices.contains(target) {
            return .moved(to: startOffset + rowStops[target].offset)
        }
        let forward = (direction == .right) != alignsRight
        let entry: HorizontalDirection = direction == .right ? .left : .right
        if forward {
            guard position.line + 1 < lines.count else { return .pastEnd }
            return .moved(to: edgeOffset(line: position.line + 1, entry))
        } else {
            guard position.line > 0 else { return .beforeStart }
            return .moved(to: edgeOffset(line: position.line - 1, entry))
        }
    }

    /// The caret place at the left or right edge of row `line`, as a document offset.
    public func edgeOffset(line: Int, _ side: HorizontalDirection) -> Int {
        let rowStops = stops(line: min(max(line, 0), lines.count - 1))
        guard let stop = side == .left ? rowStops.first : rowStops.last else { return startOffset }
        return startOffset + stop.offset
    }

    /// The caret place at the edge where reading of row `line` begins (left in LTR,
    /// right in a right-aligned paragraph), as a document offset.
    public func readingStartOffset(line: Int) -> Int {
        edgeOffset(line: line, alignsRight ? .right : .left)
    }

    /// The caret place at the edge where reading of row `line` ends.
    public func readingEndOffset(line: Int) -> Int {
        edgeOffset(line: line, alignsRight ? .left : .right)
    }

    // MARK: - Logical motion

    /// The index of the cluster whose range holds relative offset `rel`.
    func clusterIndex(containing rel: Int) -> Int? {
        guard rel >= 0, rel < length else { return nil }
        return clusterStarts.lastIndex(atMost: rel, through: clusterStarts.count - 2)
    }

    /// The next grapheme boundary after `offset` within the paragraph, or nil at its end.
    public func nextClusterBoundary(after offset: Int) -> Int? {
        let rel = offset - startOffset
        guard let ci = clusterIndex(containing: rel) else { return nil }
        return startOffset + clusterStarts[ci + 1]
    }

    /// The previous grapheme boundary before `offset`, or nil at the paragraph start.
    public func previousClusterBoundary(before offset: Int) -> Int? {
        let rel = min(offset - startOffset, length)
        guard rel > 0 else { return nil }
        guard let ci = clusterIndex(containing: rel - 1) else { return nil }
        return startOffset + clusterStarts[ci]
    }

    /// The end of the word at or after `offset` (Ctrl-Right in LTR), or nil at the end.
    public func nextWordBoundary(after offset: Int) -> Int? {
        let rel = offset - startOffset
        guard var ci = clusterIndex(containing: rel) else { return nil }
        while ci < clusterKind.count && clusterKind[ci] != .word { ci += 1 }
        while ci < clusterKind.count && clusterKind[ci] == .word { ci += 1 }
        return startOffset + clusterStarts[ci]
    }

    /// The start of the word before `offset`, or nil at the paragraph start.
    public func previousWordBoundary(before offset: Int) -> Int? {
        let rel = min(offset - startOffset, length)
        guard rel > 0, var ci = clusterIndex(containing: rel - 1) else { return nil }
        while ci > 0 && clusterKind[ci] != .word { ci -= 1 }
        while ci > 0 && clusterKind[ci - 1] == .word { ci -= 1 }
        return startOffset + clusterStarts[ci]
    }

    /// How many grapheme clusters precede `offset` in the paragraph (the caret's
    /// column in characters, for the status bar).
    public func clusterOrdinal(atOffset offset: Int) -> Int {
        let rel = min(max(offset - startOffset, 0), length)
        guard rel < length, let ci = clusterIndex(containing: rel) else { return clusterCount }
        return ci
    }

    /// Snaps `offset` to the start of the cluster holding it, so the caret never sits
    /// inside a grapheme (between a letter and its haraka, or inside a surrogate pair).
    public func clusterStart(atOrBefore offset: Int) -> Int {
        let rel = min(max(offset - startOffset, 0), length)
        guard let ci = clusterIndex(containing: rel) else { return startOffset + rel }
        return startOffset + clusterStarts[ci]
    }
}

/// The screen rows of one paragraph; shorthand for `ParagraphLayout(...).lines`.
public func layout(paragraph: String, startOffset: Int, options: LayoutOptions) -> [VisualLine] {
    ParagraphLayout(paragraph: paragraph, startOffset: startOffset, options: options).lines
}
