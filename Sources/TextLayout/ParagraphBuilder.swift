import CFriBidi

/// The steps that turn one paragraph into a `ParagraphLayout`: clusters, bidi and
/// shaping over the whole paragraph, wrapping in logical order, then reordering each
/// row (UAX #9 rules L1-L2) and placing it.
struct ParagraphBuilder {
    let text: String
    let options: LayoutOptions

    /// Marks a cluster whose width depends on its column (a tab).
    private static let tabWidthPending = -1

    func build(startOffset: Int) -> ParagraphLayout {
        // Grapheme clusters (Swift's Character) are the unit of display and motion.
        var scalars: [UInt32] = []
        scalars.reserveCapacity(text.utf8.count)
        var clusterStarts: [Int] = []
        var scalarStarts: [Int] = []
        var kinds: [ParagraphLayout.ClusterKind] = []
        var utf16 = 0
        for character in text {
            clusterStarts.append(utf16)
            scalarStarts.append(scalars.count)
            for scalar in character.unicodeScalars { scalars.append(scalar.value) }
            utf16 += character.utf16.count
            kinds.append(Self.kind(of: character))
        }
        clusterStarts.append(utf16)
        scalarStarts.append(scalars.count)
        let count = kinds.count

        let mode = options.bidiMode
        let analysis = BidiAnalysis(
            scalars: scalars, direction: options.baseDirection,
            shape: mode == .app, ligatures: options.lamAlef == .ligature)
        let reorders = mode == .app
        let alignsRight = reorders && analysis.isRTL
        let baseLevel: UInt8 = alignsRight ? 1 : 0

        // How each cluster looks: the scalars to draw and their width.
        var texts = [String](repeating: "", count: count)
        var widths = [Int](repeating: 0, count: count)
        var levels = [UInt8](repeating: 0, count: count)
        for c in 0..<count {
            let first = scalarStarts[c]
            let end = scalarStarts[c + 1]
            levels[c] = analysis.levels[first]
            if end - first == 1 && scalars[first] == 0x09 {
                widths[c] = Self.tabWidthPending
                continue
            }
            let look = Self.appearance(
                of: scalars[first..<end],
                shaped: mode == .app ? analysis.shaped[first..<end] : scalars[first..<end])
            texts[c] = look.text
            widths[c] = look.width
        }

        if options.lamAlef == .ligature && mode == .app {
            Self.placeLigatures(
                texts: &texts, widths: &widths, scalars: scalars, shaped: analysis.shaped,
                scalarStarts: scalarStarts)
        }

        let rows = wrap(widths: widths, kinds: kinds)
        let cellWidths = rows.widths
        let width = options.width

        var lines: [VisualLine] = []
        lines.reserveCapacity(rows.ranges.count + 1)
        var clusterLine = [Int](repeating: 0, count: count)
        var clusterCell = [Int](repeating: 0, count: count)
        for (lineIndex, range) in rows.ranges.enumerated() {
            let order: [Int]
            var lineLevels = range.map { levels[$0] }
            if reorders && !range.isEmpty {
                Self.resetLineEndLevels(
                    &lineLevels, types: range.map { analysis.types[scalarStarts[$0]] },
                    to: baseLevel)
                order = Self.visualOrder(levels: lineLevels).map { range.lowerBound + $0 }
            } else {
                order = Array(range)
            }
            let used = range.reduce(0) { $0 + cellWidths[$1] }
            let indent = alignsRight ? max(0, width - used) : 0
            var column = indent
            var cells: [Cell] = []
            cells.reserveCapacity(order.count)
            for c in order {
                let w = cellWidths[c]
                let drawn = widths[c] == Self.tabWidthPending ? String(repeating: " ", count: w) : texts[c]
                let level = reorders ? lineLevels[c - range.lowerBound] : levels[c]
                clusterLine[c] = lineIndex
                clusterCell[c] = cells.count
                cells.append(
                    Cell(
                        text: drawn, width: w, column: column,
                        source: clusterStarts[c]..<clusterStarts[c + 1], isRTL: level & 1 == 1))
                column += w
            }
            let source = clusterStarts[range.lowerBound]..<clusterStarts[range.upperBound]
            lines.append(VisualLine(cells: cells, indent: indent, usedWidth: used, source: source))
        }
        // The caret after the last character needs a free column on the last row.
        if let last = lines.last, last.usedWidth >= width {
            lines.append(
                VisualLine(
                    cells: [], indent: alignsRight ? width : 0, usedWidth: 0,
                    source: utf16..<utf16))
        }
        return ParagraphLayout(
            startOffset: startOffset, length: utf16, lines: lines, isRTL: analysis.isRTL,
            alignsRight: alignsRight, width: width, clusterStarts: clusterStarts,
            clusterLine: clusterLine, clusterCell: clusterCell, clusterKind: kinds)
    }

    /// FriBidi turns the lam of a lam-alef pair into the filler U+FEFF and the alef
    /// into the ligature. The ligature goes on the lam's cell and the alef's cell
    /// takes no room, so the word stays whole (a blank cell would open a gap inside
    /// it); both letters' carets are drawn on the ligature. Marks on either letter
    /// stay with the ligature.
    static func placeLigatures(
        texts: inout [String], widths: inout [Int], scalars: [UInt32], shaped: [UInt32],
        scalarStarts: [Int]
    ) {
        let count = texts.count
        var c = 0
        while c + 1 < count {
            let first = scalarStarts[c]
            if shaped[first] == 0xFEFF && scalars[first] != 0xFEFF && widths[c] == 1 && widths[c + 1] == 1 {
                // The lam's cell drew the filler as a blank; keep only its marks.
                let lamMarks = texts[c].hasPrefix(" ") ? String(texts[c].dropFirst()) : texts[c]
                texts[c] = texts[c + 1] + lamMarks
                texts[c + 1] = ""
                widths[c + 1] = 0
                c += 2
            } else {
                c += 1
            }
        }
    }

    // MARK: - Wrapping

    /// Greedy wrapping in logical order at word boundaries (after whitespace). Visible
    /// content stops one column short of the width; whitespace may hang into the last
    /// column. A word longer than a row is broken between clusters. Returns the rows
    /// as cluster ranges and each cluster's width (tabs resolved at their column).
    private func wrap(widths: [Int], kinds: [ParagraphLayout.ClusterKind]) -> (ranges: [Range<Int>], widths: [Int]) {
        let width = options.width
        let limit = width - 1
        let tab = options.tabWidth
        var resolved = widths
        var ranges: [Range<Int>] = []
        var start = 0
        var index = 0
        var column = 0
        var lastBreak = -1
        while index < widths.count {
            let isSpace = kinds[index] == .space
            var w = widths[index]
            var fits: Bool
            if w == Self.tabWidthPending {
                w = min(tab - column % tab, width - column)
                fits = w > 0
            } else {
                fits = column + w <= (isSpace ? width : limit)
            }
            if !fits && index > start {
                let end = lastBreak >= start && lastBreak < index ? lastBreak + 1 : index
                ranges.append(start..<end)
                start = end
                index = end
                column = 0
                lastBreak = -1
                continue
            }
            w = max(0, w)
            resolved[index] = w
            column += w
            if isSpace { lastBreak = index }
            index += 1
        }
        ranges.append(start..<widths.count)
        return (ranges, resolved)
    }

    // MARK: - Reordering

    /// Rule L1: whitespace and isolate/embedding controls at the end of a row, and
    /// before a tab, take the paragraph level, as do tabs themselves.
    static func resetLineEndLevels(_ levels: inout [UInt8], types: [FriBidiCharType], to base: UInt8) {
        var k = levels.count - 1
        while k >= 0 && BidiAnalysis.isLineEndNeutral(types[k]) {
            levels[k] = base
            k -= 1
        }
        for k in levels.indices where BidiAnalysis.isSegmentSeparator(types[k]) {
            levels[k] = base
            var m = k - 1
            while m >= 0 && BidiAnalysis.isLineEndNeutral(types[m]) {
                levels[m] = base
                m -= 1
            }
        }
    }

    /// Rule L2: from the highest level down to the lowest odd one, reverse every run
    /// at that level or above. Returns positions in visual order. Clusters move as
    /// wholes, so marks stay after their base (FriBidi's REORDER_NSM).
    static func visualOrder(levels: [UInt8]) -> [Int] {
        var order = Array(levels.indices)
        guard let highest = levels.max(), let lowestOdd = levels.filter({ $0 & 1 == 1 }).min() else {
            return order
        }
        var level = highest
        while level >= lowestOdd {
            var i = 0
            while i < order.count {
                guard levels[order[i]] >= level else {
                    i += 1
                    continue
                }
                var j = i
                while j < order.count && levels[order[j]] >= level { j += 1 }
                order[i..<j].reverse()
                i = j
            }
            level -= 1
        }
        return order
    }

    // MARK: - Appearance

    /// What a cluster draws: shaped scalars without invisible format characters,
    /// control characters as control pictures, a lone combining mark on a dotted
    /// circle, and the alef of a lam-alef ligature as a blank cell.
    static func appearance(of original: ArraySlice<UInt32>, shaped: ArraySlice<UInt32>) -> (text: String, width: Int) {
        var out = String.UnicodeScalarView()
        var width = 0
        var ligatureFiller = false
        for (o, s) in zip(original, shaped) {
            if isInvisibleFormat(o) { continue }
            var value = s
            if value == 0xFEFF {
                ligatureFiller = true
                continue
            }
            var w = DisplayWidth.raw(value)
            if w < 0 {
                value = controlPicture(value)
                w = 1
            }
            width += w
            out.append(Unicode.Scalar(value) ?? "\u{FFFD}")
        }
        if ligatureFiller {
            out.insert(" ", at: out.startIndex)
            width += 1
        } else if width == 0 && !out.isEmpty {
            out.insert("\u{25CC}", at: out.startIndex)
            width += 1
        }
        return (String(out), width)
    }

    /// Bidi controls, joiners, and the byte-order mark: they have done their work
    /// (in the bidi algorithm and shaping) and must not reach the terminal.
    static func isInvisibleFormat(_ v: UInt32) -> Bool {
        switch v {
        case 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2064, 0x2066...0x2069, 0xFEFF, 0x061C:
            return true
        default:
            return false
        }
    }

    /// A visible stand-in for a control character: U+2400-241F and U+2421 for C0 and
    /// DEL, U+FFFD for anything else the terminal cannot print.
    static func controlPicture(_ v: UInt32) -> UInt32 {
        if v < 0x20 { return 0x2400 + v }
        if v == 0x7F { return 0x2421 }
        return 0xFFFD
    }

    static func kind(of character: Character) -> ParagraphLayout.ClusterKind {
        if character.isWhitespace { return .space }
        if character.isLetter || character.isNumber || character == "_" { return .word }
        if let first = character.unicodeScalars.first, first.properties.isAlphabetic { return .word }
        return .punctuation
    }
}
