import CFriBidi

/// The result of running the Unicode bidirectional algorithm (rules P2-I2, via
/// FriBidi) and Arabic shaping over one whole paragraph.
///
/// Levels and joining are computed for the paragraph as a whole, before it is
/// wrapped, so a word broken across two screen rows still joins and numbers after
/// Arabic still belong to the RTL run; reordering (rule L2) happens per row later.
struct BidiAnalysis {
    /// Whether the paragraph's resolved base direction is right-to-left.
    let isRTL: Bool
    /// One embedding level per scalar.
    let levels: [UInt8]
    /// One FriBidi bidi type per scalar, for rule L1 (whitespace at line ends).
    let types: [FriBidiCharType]
    /// The scalars after shaping and mirroring (`shape == true`), else the input.
    let shaped: [UInt32]

    /// - Parameters:
    ///   - scalars: the paragraph's Unicode scalars, without the newline.
    ///   - direction: the requested base direction.
    ///   - shape: whether to replace Arabic letters by their presentation forms and
    ///     mirror brackets at odd levels.
    ///   - ligatures: whether lam-alef becomes one ligature (the alef turns into
    ///     U+FEFF, which the layout then draws as a blank cell).
    init(scalars: [UInt32], direction: BaseDirection, shape: Bool, ligatures: Bool) {
        let count = scalars.count
        guard count > 0, count <= Int(Int32.max) else {
            isRTL = direction == .rtl
            levels = Array(repeating: isRTL ? 1 : 0, count: count)
            types = Array(repeating: FriBidiCharType(0), count: count)
            shaped = scalars
            return
        }
        let n = FriBidiStrIndex(count)
        var chars = scalars
        var types = [FriBidiCharType](repeating: FriBidiCharType(0), count: count)
        var brackets = [FriBidiBracketType](repeating: 0, count: count)
        var levels = [FriBidiLevel](repeating: 0, count: count)
        var parDir: FriBidiParType
        switch direction {
        case .auto: parDir = FRIBIDI_PAR_ON
        case .ltr: parDir = FRIBIDI_PAR_LTR
        case .rtl: parDir = FRIBIDI_PAR_RTL
        }
        fribidi_get_bidi_types(&chars, n, &types)
        fribidi_get_bracket_types(&chars, n, &types, &brackets)
        let maxLevel = fribidi_get_par_embedding_levels_ex(&types, &brackets, n, &parDir, &levels)
        if maxLevel == 0 {
            // FriBidi failed (out of memory): fall back to the requested direction.
            let level: FriBidiLevel = direction == .rtl ? 1 : 0
            levels = Array(repeating: level, count: count)
            parDir = direction == .rtl ? FRIBIDI_PAR_RTL : FRIBIDI_PAR_LTR
        }
        if shape {
            var joining = [FriBidiArabicProp](repeating: 0, count: count)
            fribidi_get_joining_types(&chars, n, &joining)
            fribidi_join_arabic(&types, n, &levels, &joining)
            var flags = FriBidiFlags(FRIBIDI_FLAG_SHAPE_ARAB_PRES) | FriBidiFlags(FRIBIDI_FLAG_SHAPE_MIRRORING)
            if ligatures { flags |= FriBidiFlags(FRIBIDI_FLAG_SHAPE_ARAB_LIGA) }
            fribidi_shape(flags, &levels, n, &joining, &chars)
        }
        self.isRTL = parDir == FRIBIDI_PAR_RTL
        self.levels = levels.map { UInt8(truncatingIfNeeded: $0) }
        self.types = types
        self.shaped = chars
    }

    /// Types that rule L1 resets to the paragraph level when they end a line or
    /// precede a tab: whitespace, segment and paragraph separators, boundary
    /// neutrals, explicit embeddings and isolates.
    static func isLineEndNeutral(_ type: FriBidiCharType) -> Bool {
        type == FRIBIDI_TYPE_WS || type == FRIBIDI_TYPE_SS || type == FRIBIDI_TYPE_BS
            || type == FRIBIDI_TYPE_BN || type == FRIBIDI_TYPE_LRE || type == FRIBIDI_TYPE_RLE
            || type == FRIBIDI_TYPE_LRO || type == FRIBIDI_TYPE_RLO || type == FRIBIDI_TYPE_PDF
            || type == FRIBIDI_TYPE_LRI || type == FRIBIDI_TYPE_RLI || type == FRIBIDI_TYPE_FSI
            || type == FRIBIDI_TYPE_PDI
    }

    static func isSegmentSeparator(_ type: FriBidiCharType) -> Bool {
        type == FRIBIDI_TYPE_SS
    }
}
