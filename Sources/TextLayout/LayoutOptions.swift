/// Who reorders and shapes bidirectional text.
public enum BidiMode: String, CaseIterable, Sendable, CustomStringConvertible {
    /// Qalam reorders each visual line and shapes Arabic itself: for terminals that do
    /// neither (xterm, kitty, tmux, pyte) and for VTE in explicit mode.
    case app
    /// Lines are sent in logical order, unshaped, for a terminal that runs the bidi
    /// algorithm itself and cannot be told not to (Konsole, mlterm). Caret placement
    /// in mixed lines is then only approximate.
    case terminal
    /// Logical order, no shaping, every paragraph left-aligned.
    case off

    public var description: String { rawValue }
}

/// The base direction of paragraphs.
public enum BaseDirection: String, CaseIterable, Sendable, CustomStringConvertible {
    /// From the first strong character of each paragraph (UAX #9 rules P2-P3); a
    /// paragraph with none is left-to-right.
    case auto
    case ltr
    case rtl

    public var description: String { rawValue }

    /// The next setting in the cycle auto → rtl → ltr → auto, for a "flip direction" key.
    public var next: BaseDirection {
        switch self {
        case .auto: return .rtl
        case .rtl: return .ltr
        case .ltr: return .auto
        }
    }
}

/// How a lam followed by an alef is drawn.
public enum LamAlefMode: String, CaseIterable, Sendable {
    /// Lam and alef stay two joined letters in two cells (as VTE does): one character,
    /// one cell, so caret mapping stays trivial. The default.
    case separate
    /// The lam's cell shows the lam-alef ligature and the alef takes no cell, so the
    /// word stays whole; a caret on either letter is drawn on the ligature.
    case ligature
}

/// Everything that decides how a paragraph is laid out on screen.
public struct LayoutOptions: Equatable, Sendable {
    /// The number of screen columns available; at least 2 so a wide character fits.
    public var width: Int {
        didSet { width = max(2, width) }
    }
    /// The distance between tab stops; 1 to 32.
    public var tabWidth: Int {
        didSet { tabWidth = min(32, max(1, tabWidth)) }
    }
    /// Who reorders bidirectional text: this layout (`app`) or the terminal.
    public var bidiMode: BidiMode
    /// Each paragraph's direction, or `auto` from its first strong character.
    public var baseDirection: BaseDirection
    /// How lam-alef pairs take their cells.
    public var lamAlef: LamAlefMode

    /// Out-of-range numbers are clamped rather than rejected: a layout always exists.
    public init(
        width: Int, tabWidth: Int = 4, bidiMode: BidiMode = .app,
        baseDirection: BaseDirection = .auto, lamAlef: LamAlefMode = .separate
    ) {
        self.width = max(2, width)
        self.tabWidth = min(32, max(1, tabWidth))
        self.bidiMode = bidiMode
        self.baseDirection = baseDirection
        self.lamAlef = lamAlef
    }
}
