/// One grapheme cluster as it is drawn: what to put on screen, where, and which part
/// of the text it came from.
public struct Cell: Equatable, Sendable {
    /// The characters to draw, already shaped and mirrored in `app` mode: a base
    /// character followed by its combining marks (one `cchar_t`), a run of spaces for a
    /// tab, or empty for an invisible character (a bidi control, ZWSP).
    public var text: String
    /// Screen columns taken: 0 (invisible), 1, 2 (wide or emoji) or more for a tab.
    public var width: Int
    /// The first screen column, counted from the left edge of the screen.
    public var column: Int
    /// The cluster's UTF-16 range **within its paragraph**; add the paragraph's
    /// `startOffset` for the document (Yjs) index.
    public var source: Range<Int>
    /// Whether the cluster sits at an odd (right-to-left) embedding level.
    public var isRTL: Bool

    public init(text: String, width: Int, column: Int, source: Range<Int>, isRTL: Bool) {
        self.text = text
        self.width = width
        self.column = column
        self.source = source
        self.isRTL = isRTL
    }
}

/// One screen row of a paragraph, in visual order from left to right.
public struct VisualLine: Equatable, Sendable {
    /// The cells from left to right; zero-width cells share the column of their
    /// visual successor.
    public var cells: [Cell]
    /// Blank columns before the first cell (right alignment of RTL paragraphs).
    public var indent: Int
    /// Columns taken by the cells.
    public var usedWidth: Int
    /// The logical UTF-16 range of the line within its paragraph.
    public var source: Range<Int>
}

/// A place on screen relative to a paragraph: its visual line and a column.
public struct CellPosition: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The visual line within the paragraph, counted from 0.
    public var line: Int
    /// The cell from the left edge, counted from 0.
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "(\(line), \(column))" }
}

/// A horizontal arrow key.
public enum HorizontalDirection: Sendable {
    case left, right
}
