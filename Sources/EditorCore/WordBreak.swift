import Foundation

/// Word boundaries as Unicode Standard Annex #29 ("Unicode Text Segmentation",
/// section 4.1) defines them, for counting words: Arabic harakat and tatweel stay
/// inside their word, "don't", "e.g." and "3.14" are one word each, an Arabic
/// comma separates two words, each ideograph counts on its own.
///
/// The Word_Break property is derived from the character properties Swift exposes
/// (the annex's table 3 defines it from the same ones), with the short lists of
/// punctuation the annex names spelled out.
enum WordBreak {
    /// The Word_Break property values the rules use, plus the kinds of "Other"
    /// that count as words of their own (ideographs, hiragana).
    enum Kind: Equatable {
        case other, cr, lf, newline, extend, zwj, regionalIndicator, format, katakana, hebrewLetter, aLetter
        case singleQuote, doubleQuote, midNumLet, midLetter, midNum, numeric, extendNumLet, wSegSpace
        case ideographic
        /// A letter of a script written without spaces (counted a run at a time).
        case complexLetter

        var isAHLetter: Bool { self == .aLetter || self == .hebrewLetter }
        var isLineBreak: Bool { self == .cr || self == .lf || self == .newline }
        var isMidNumLetQ: Bool { self == .midNumLet || self == .singleQuote }
        /// Whether a segment holding this is a word (ICU's letter, number, kana
        /// and ideograph statuses).
        var isWordlike: Bool {
            switch self {
            case .aLetter, .hebrewLetter, .numeric, .katakana, .ideographic: return true
            default: return false
            }
        }
    }

    /// Kinds already looked up, by blocks of 256 scalars of the Basic Multilingual
    /// Plane: the property queries behind `kind(of:)` cost tens of nanoseconds
    /// each, and a large document has a million characters to count. Owned by
    /// whoever counts (one editor, one thread).
    struct Table {
        private var blocks = [[Kind]?](repeating: nil, count: 256)

        mutating func kind(of scalar: Unicode.Scalar) -> Kind {
            let v = Int(scalar.value)
            guard v < 0x10000 else { return WordBreak.kind(of: scalar) }
            let block = v >> 8
            if let kinds = blocks[block] { return kinds[v & 0xFF] }
            let kinds = (0..<256).map { low in Unicode.Scalar(UInt32(block << 8 | low)).map(WordBreak.kind) ?? .other }
            blocks[block] = kinds
            return kinds[v & 0xFF]
        }
    }

    static func kind(of scalar: Unicode.Scalar) -> Kind {
        let v = scalar.value
        switch v {
        case 0x0D: return .cr
        case 0x0A: return .lf
        case 0x0B, 0x0C, 0x85, 0x2028, 0x2029: return .newline
        case 0x200D: return .zwj
        case 0x27: return .singleQuote
        case 0x22: return .doubleQuote
        case 0x2E, 0x2018, 0x2019, 0x2024, 0xFE52, 0xFF07, 0xFF0E: return .midNumLet
        case 0x3A, 0xB7, 0x0387, 0x055F, 0x05F4, 0x2027, 0xFE13, 0xFE55, 0xFF1A: return .midLetter
        case 0x2C, 0x3B, 0x037E, 0x0589, 0x060C, 0x060D, 0x066C, 0x07F8, 0x2044, 0xFE10, 0xFE14, 0xFE50, 0xFE54,
            0xFF0C, 0xFF1B:
            return .midNum
        case 0x066B: return .numeric
        case 0x202F: return .extendNumLet
        case 0x20, 0x1680, 0x2000...0x2006, 0x2008...0x200A, 0x205F, 0x3000: return .wSegSpace
        case 0x1F1E6...0x1F1FF: return .regionalIndicator
        case 0x05D0...0x05EA, 0x05EF...0x05F2, 0xFB1D, 0xFB1F...0xFB28, 0xFB2A...0xFB4F: return .hebrewLetter
        case 0x3031...0x3035, 0x309B, 0x309C, 0x30A0...0x30FA, 0x30FC...0x30FF, 0x31F0...0x31FF, 0x32D0...0x32FE,
            0x3300...0x3357, 0xFF66...0xFF9D:
            return .katakana
        case 0x3040...0x309A, 0x309D...0x309F: return .ideographic  // hiragana: a word per letter, as ICU counts
        default: break
        }
        let properties = scalar.properties
        if properties.isGraphemeExtend || properties.generalCategory == .spacingMark || properties.isEmojiModifier {
            return .extend
        }
        switch properties.generalCategory {
        case .format: return v == 0x200B ? .other : .format
        case .decimalNumber: return .numeric
        case .connectorPunctuation: return .extendNumLet
        default: break
        }
        if properties.isIdeographic { return .ideographic }
        if properties.isAlphabetic { return isComplexContext(v) ? .complexLetter : .aLetter }
        // Modifier letters and a few symbols the annex lists as ALetter.
        switch v {
        case 0x02C2...0x02C5, 0x02D2...0x02D7, 0x02DE, 0x02DF, 0x02E5...0x02EB, 0x02ED, 0x02EF...0x02FF,
            0x055A...0x055C, 0x055E, 0x058A, 0x05F3, 0xA708...0xA716, 0xA720, 0xA721, 0xA789, 0xA78A, 0xAB5B:
            return .aLetter
        default:
            return .other
        }
    }

    /// Scripts written without spaces (Thai, Lao, Myanmar, Khmer, Tai…): the annex
    /// leaves them to dictionaries; here each such run is counted as one word.
    private static func isComplexContext(_ v: UInt32) -> Bool {
        switch v {
        case 0x0E00...0x0EFF, 0x1000...0x109F, 0x1780...0x17FF, 0x1950...0x19DF, 0x1A20...0x1AAF, 0xA9E0...0xA9FF,
            0xAA60...0xAADF:
            return true
        default:
            return false
        }
    }

    /// The number of words in `text`.
    static func countWords<S: StringProtocol>(in text: S) -> Int {
        var table = Table()
        return countWords(in: text, table: &table)
    }

    static func countWords<S: StringProtocol>(in text: S, table: inout Table) -> Int {
        // WB4: extenders, format characters and ZWJ belong to what precedes them
        // (except after a line break), so they are dropped before the other rules.
        var kinds: [Kind] = []
        kinds.reserveCapacity(text.unicodeScalars.count)
        var complexRun = false
        for scalar in text.unicodeScalars {
            var kind = table.kind(of: scalar)
            if kind == .complexLetter {
                // One word per run of a script without spaces.
                if complexRun { continue }
                kind = .aLetter
                complexRun = true
            } else if kind != .extend && kind != .format && kind != .zwj {
                complexRun = false
            }
            if kind == .extend || kind == .format || kind == .zwj, let last = kinds.last,
                last != .cr && last != .lf && last != .newline
            {
                continue
            }
            kinds.append(kind)
        }
        var words = 0
        var segmentIsWord = false
        for i in kinds.indices {
            if i == 0 || breaks(kinds, before: i) {
                if segmentIsWord { words += 1 }
                segmentIsWord = false
            }
            if kinds[i].isWordlike { segmentIsWord = true }
        }
        if segmentIsWord { words += 1 }
        return words
    }

    /// Whether there is a word boundary between `kinds[i - 1]` and `kinds[i]`
    /// (rules WB3 to WB999; WB4 already applied).
    static func breaks(_ kinds: [Kind], before i: Int) -> Bool {
        let a = kinds[i - 1]
        let b = kinds[i]
        let beforeA: Kind? = i >= 2 ? kinds[i - 2] : nil
        let afterB: Kind? = i + 1 < kinds.count ? kinds[i + 1] : nil
        if a == .cr && b == .lf { return false }  // WB3
        if a.isLineBreak || b.isLineBreak { return true }  // WB3a, WB3b
        if a == .wSegSpace && b == .wSegSpace { return false }  // WB3d
        if a.isAHLetter && b.isAHLetter { return false }  // WB5
        if a.isAHLetter, b == .midLetter || b.isMidNumLetQ, afterB?.isAHLetter == true { return false }  // WB6
        if beforeA?.isAHLetter == true, a == .midLetter || a.isMidNumLetQ, b.isAHLetter { return false }  // WB7
        if a == .hebrewLetter && b == .singleQuote { return false }  // WB7a
        if a == .hebrewLetter && b == .doubleQuote && afterB == .hebrewLetter { return false }  // WB7b
        if beforeA == .hebrewLetter && a == .doubleQuote && b == .hebrewLetter { return false }  // WB7c
        if a == .numeric && b == .numeric { return false }  // WB8
        if a.isAHLetter && b == .numeric { return false }  // WB9
        if a == .numeric && b.isAHLetter { return false }  // WB10
        if beforeA == .numeric, a == .midNum || a.isMidNumLetQ, b == .numeric { return false }  // WB11
        if a == .numeric, b == .midNum || b.isMidNumLetQ, afterB == .numeric { return false }  // WB12
        if a == .katakana && b == .katakana { return false }  // WB13
        if a.isAHLetter || a == .numeric || a == .katakana || a == .extendNumLet, b == .extendNumLet {
            return false  // WB13a
        }
        if a == .extendNumLet, b.isAHLetter || b == .numeric || b == .katakana { return false }  // WB13b
        if a == .regionalIndicator && b == .regionalIndicator { return false }  // WB15-16, pairs not needed to count
        return true  // WB999
    }
}

/// How many words and characters a text has.
public struct TextCounts: Equatable, Sendable {
    /// Words as UAX #29 splits them.
    public var words: Int
    /// Grapheme clusters (what a reader calls characters), newlines not counted.
    public var characters: Int

    public init(words: Int, characters: Int) {
        self.words = words
        self.characters = characters
    }

    /// Counts `text`.
    public init<S: StringProtocol>(of text: S) {
        var table = WordBreak.Table()
        self.init(of: text, table: &table)
    }

    init<S: StringProtocol>(of text: S, table: inout WordBreak.Table) {
        words = WordBreak.countWords(in: text, table: &table)
        // A cluster holding U+000A is "\n" or "\r\n" (a line feed always stands
        // alone but for CR LF): counting the bytes spares comparing every
        // character with both, which normalises each.
        characters = text.count - text.utf8.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
}

/// Counts per paragraph, so a keystroke recounts one paragraph, not the document.
struct TextStatistics {
    private var table = WordBreak.Table()
    private var perParagraph: [TextCounts?] = []
    private var known = TextCounts(words: 0, characters: 0)

    mutating func reset(paragraphs: Int) {
        perParagraph = Array(repeating: nil, count: max(1, paragraphs))
        known = TextCounts(words: 0, characters: 0)
        firstUncounted = 0
    }

    /// Paragraphs `range` became `count` new (not yet counted) ones.
    mutating func replace(_ range: ClosedRange<Int>, with count: Int) {
        guard range.upperBound < perParagraph.count else {
            reset(paragraphs: perParagraph.count)
            return
        }
        for old in perParagraph[range] {
            if let old {
                known.words -= old.words
                known.characters -= old.characters
            }
        }
        perParagraph.replaceSubrange(range, with: Array(repeating: nil, count: max(0, count)))
        firstUncounted = min(firstUncounted, range.lowerBound)
    }

    /// Paragraphs not counted yet, from the first one that may be (a hint, so
    /// counting in slices does not walk the counted ones again and again).
    private var firstUncounted = 0

    /// Whether every paragraph is counted.
    var isComplete: Bool { !perParagraph[min(firstUncounted, perParagraph.count)...].contains { $0 == nil } }

    /// The totals, counting first the paragraphs not counted yet.
    mutating func totals(_ text: (Int) -> String) -> TextCounts {
        totals(text, until: nil)!
    }

    /// The totals, or nil when counting what is left would go past `deadline`
    /// (what was counted by then is kept for the next call). At least one
    /// paragraph is counted per call, so a frame after a keystroke counts the
    /// paragraph typed in even with a deadline already past.
    mutating func totals(_ text: (Int) -> String, until deadline: Date?) -> TextCounts? {
        firstUncounted = min(firstUncounted, perParagraph.count)
        var p = perParagraph[firstUncounted...].firstIndex { $0 == nil } ?? perParagraph.count
        var steps = 0
        while p < perParagraph.count {
            if perParagraph[p] == nil {
                if let deadline, steps > 0, Date() >= deadline {
                    firstUncounted = p
                    return nil
                }
                let counts = TextCounts(of: text(p), table: &table)
                perParagraph[p] = counts
                known.words += counts.words
                known.characters += counts.characters
                steps += 1
            }
            p += 1
        }
        firstUncounted = perParagraph.count
        return known
    }
}
