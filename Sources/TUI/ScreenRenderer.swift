import CNcursesw
import EditorCore
import Foundation
import TextLayout

/// How the screen is divided: text on the left, the presence panel on the right
/// when there is room, the status bar on the last row.
struct ScreenGeometry: Equatable {
    var rows: Int
    var columns: Int
    var showPanel: Bool

    static let panelWidth = 22
    /// Below this the screen shows only a notice.
    static let minimumColumns = 12
    static let minimumRows = 2

    var isTooSmall: Bool { rows < Self.minimumRows || columns < Self.minimumColumns }
    var panelVisible: Bool { showPanel && columns >= 60 && rows >= 4 }
    var textWidth: Int { max(2, panelVisible ? columns - Self.panelWidth - 1 : columns) }
    var textHeight: Int { max(1, rows - 1) }
}

/// Draws `EditorState` with ncurses into `stdscr`. Every frame rewrites the virtual
/// screen; curses' `doupdate` then sends the terminal only the cells that changed.
final class ScreenRenderer {
    private let terminal: Terminal
    private let documentName: String

    init(terminal: Terminal, documentName: String) {
        self.terminal = terminal
        self.documentName = documentName
    }

    func draw(_ state: EditorState, geometry: ScreenGeometry, now: Date = Date()) {
        werase(stdscr)
        if geometry.isTooSmall {
            put("Qalam: enlarge the terminal", y: 0, x: 0, maxWidth: geometry.columns, attr: Curses.bold)
            wnoutrefresh(stdscr)
            doupdate()
            return
        }
        let caretPlace = drawText(state, geometry: geometry)
        if geometry.panelVisible { drawPanel(state, geometry: geometry) }
        let statusCaret = drawStatus(state, geometry: geometry, now: now)
        if case let .help(scroll) = state.mode { drawHelp(state.keymap, scroll: scroll, geometry: geometry) }
        if let place = statusCaret ?? caretPlace, !state.isShowingHelp {
            curs_set(1)
            wmove(stdscr, Int32(place.y), Int32(place.x))
        } else {
            curs_set(0)
        }
        wnoutrefresh(stdscr)
        doupdate()
    }

    // MARK: - Text

    /// Draws the visible rows; returns the caret's screen place if it is in view.
    private func drawText(_ state: EditorState, geometry: ScreenGeometry) -> (y: Int, x: Int)? {
        let layout = state.layout
        let selection = state.selection
        let caretPosition = layout.position(forOffset: state.caret)
        var remoteMarks: [RowAddress: [(column: Int, attr: attr_t, pair: Int16)]] = [:]
        // Remote selections: underlined in the user's colour.
        var remoteSelections: [(range: Range<Int>, pair: Int16)] = []
        for remote in state.resolvedRemoteCarets() {
            let place = layout.position(forOffset: remote.head)
            let pairs = terminal.pairs(forHex: remote.caret.color)
            let attr = pairs == nil ? Curses.reverse | Curses.underline : attr_t(0)
            remoteMarks[place.row, default: []].append((place.column, attr, pairs?.caret ?? 0))
            if remote.anchor != remote.head {
                remoteSelections.append(
                    (min(remote.anchor, remote.head)..<max(remote.anchor, remote.head), pairs?.text ?? 0))
            }
        }
        let visible = visibleRange(state, rows: geometry.textHeight)
        let styles = state.document.styles(in: visible)
        let matches = state.highlightedMatches(in: visible)
        let matchPair = terminal.matchPair
        var caretPlace: (y: Int, x: Int)?
        var row = state.top
        for y in 0..<geometry.textHeight {
            guard let line = layout.line(at: row) else { break }
            let paragraphStart = layout.paragraphStart(row.paragraph)
            for cell in line.cells where cell.width > 0 && cell.column < geometry.textWidth {
                let start = paragraphStart + cell.source.lowerBound
                var attr: attr_t = 0
                var pair: Int16 = 0
                if let style = styles.first(where: { $0.range.contains(start) })?.style {
                    if style.contains(.bold) { attr |= Curses.bold }
                    if style.contains(.italic) { attr |= Curses.italic }
                    if style.contains(.underline) { attr |= Curses.underline }
                }
                if matches.contains(where: { $0.contains(start) }) {
                    // Every match of the search: on a yellow ground, or underlined without colour.
                    if let matchPair { pair = matchPair } else { attr |= Curses.underline | Curses.bold }
                }
                if let remote = remoteSelections.first(where: { $0.range.contains(start) }) {
                    attr |= Curses.underline
                    pair = remote.pair
                }
                if selection.map({ $0.contains(start) }) ?? false { attr |= Curses.reverse }
                wattr_set(stdscr, attr, pair, nil)
                put(cell.text, y: y, x: cell.column, maxWidth: geometry.textWidth - cell.column, attr: nil)
            }
            wattr_set(stdscr, 0, 0, nil)
            for mark in remoteMarks[row] ?? [] where mark.column < geometry.textWidth {
                mvwchgat(stdscr, Int32(y), Int32(mark.column), 1, mark.attr, mark.pair, nil)
            }
            if row == caretPosition.row {
                caretPlace = (y, min(caretPosition.column, geometry.textWidth - 1))
            }
            let next = layout.row(row, offsetBy: 1)
            if next == row { break }
            row = next
        }
        return caretPlace
    }

    /// The document offsets the text area shows.
    private func visibleRange(_ state: EditorState, rows: Int) -> Range<Int> {
        let layout = state.layout
        let first = layout.paragraphStart(state.top.paragraph)
        let bottom = layout.row(state.top, offsetBy: rows)
        let last = layout.layout(ofParagraph: bottom.paragraph).endOffset
        return first..<max(first, last + 1)
    }

    /// Writes `text` at (y, x), cut to `maxWidth` columns.
    private func put(_ text: String, y: Int, x: Int, maxWidth: Int, attr: attr_t?) {
        guard maxWidth > 0 else { return }
        if let attr { wattr_set(stdscr, attr, 0, nil) }
        // Called for every cell of every frame: the characters go through a buffer
        // on the stack (no scalar takes more room than its UTF-8 bytes), and text
        // that cannot reach the edge needs no measuring (no scalar is wider than
        // two cells).
        let capacity = text.utf8.count + 1
        let measures = capacity * 2 > maxWidth
        withUnsafeTemporaryAllocation(of: wchar_t.self, capacity: capacity) { wide in
            var count = 0
            var used = 0
            for scalar in text.unicodeScalars {
                if measures {
                    let w = max(0, DisplayWidth.of(scalar))
                    if used + w > maxWidth { break }
                    used += w
                }
                wide[count] = wchar_t(bitPattern: scalar.value)
                count += 1
            }
            wide[count] = 0
            mvwaddnwstr(stdscr, Int32(y), Int32(x), wide.baseAddress, Int32(count))
        }
        if attr != nil { wattr_set(stdscr, 0, 0, nil) }
    }

    // MARK: - Presence panel

    private func drawPanel(_ state: EditorState, geometry: ScreenGeometry) {
        let x = geometry.textWidth
        for y in 0..<geometry.textHeight {
            put("│", y: y, x: x, maxWidth: 1, attr: Curses.dim)
        }
        let left = x + 2
        let width = geometry.columns - left
        put("Online (\(state.collaborators.count))", y: 0, x: left, maxWidth: width, attr: Curses.bold)
        for (i, user) in state.collaborators.enumerated() where i + 1 < geometry.textHeight {
            let label = "● " + user.name + (user.isSelf ? " (you)" : "")
            if let pairs = terminal.pairs(forHex: user.color) {
                wattr_set(stdscr, user.isSelf ? Curses.bold : 0, pairs.text, nil)
                put(label, y: i + 1, x: left, maxWidth: width, attr: nil)
                wattr_set(stdscr, 0, 0, nil)
            } else {
                put(label, y: i + 1, x: left, maxWidth: width, attr: user.isSelf ? Curses.bold : 0)
            }
        }
    }

    // MARK: - Status bar

    /// Draws the status bar; returns the caret place when a prompt has it.
    private func drawStatus(_ state: EditorState, geometry: ScreenGeometry, now: Date) -> (y: Int, x: Int)? {
        let y = geometry.rows - 1
        let width = geometry.columns
        wattr_set(stdscr, Curses.reverse, 0, nil)
        wmove(stdscr, Int32(y), 0)
        for _ in 0..<width { waddch(stdscr, chtype(UInt8(ascii: " "))) }
        // Counting a large document's words must not hold up a frame: the frame
        // counts one paragraph (the one typed in, once the rest is counted); the
        // editor counts the rest between keys (`Editor.run`).
        let status = StatusLine(state, documentName: documentName, width: width, now: now, countUntil: Date())
        let rightText = status.right.isEmpty ? "" : status.right + " "
        let rightWidth = DisplayWidth.of(rightText)
        var caret: (y: Int, x: Int)?
        var leftStart = 0
        if let prompt = status.prompt {
            let text = " " + prompt
            put(text, y: y, x: 0, maxWidth: width, attr: Curses.reverse | Curses.bold)
            leftStart = min(width - 1, DisplayWidth.of(text))
            caret = (y, leftStart)
            leftStart += 1
        }
        put(
            " " + status.left, y: y, x: leftStart, maxWidth: max(0, width - rightWidth - 1 - leftStart),
            attr: Curses.reverse)
        if rightWidth > 0 && rightWidth < width {
            put(rightText, y: y, x: width - rightWidth, maxWidth: rightWidth, attr: Curses.reverse)
        }
        wattr_set(stdscr, 0, 0, nil)
        return caret
    }

    // MARK: - Help

    /// The key list in a box over the text, from `scroll` on; ↑/↓ scroll it.
    private func drawHelp(_ keymap: Keymap, scroll: Int, geometry: ScreenGeometry) {
        let title = "Qalam — keys (↑/↓ scroll, any other key closes)"
        let lines = keymap.helpLines
        let width = min(geometry.columns, (([title] + lines).map { DisplayWidth.of($0) }.max() ?? 40) + 4)
        let height = min(geometry.textHeight, lines.count + 4)
        let x0 = max(0, (geometry.columns - width) / 2)
        let y0 = max(0, (geometry.textHeight - height) / 2)
        let shown = max(0, height - 4)
        let first = min(scroll, max(0, lines.count - shown))
        for dy in 0..<height {
            wattr_set(stdscr, Curses.reverse, 0, nil)
            wmove(stdscr, Int32(y0 + dy), Int32(x0))
            for _ in 0..<width { waddch(stdscr, chtype(UInt8(ascii: " "))) }
            let text: String?
            switch dy {
            case 1: text = title
            case 3..<(3 + shown): text = first + dy - 3 < lines.count ? lines[first + dy - 3] : nil
            default: text = nil
            }
            if let text {
                put(
                    text, y: y0 + dy, x: x0 + 2, maxWidth: width - 4,
                    attr: dy == 1 ? Curses.reverse | Curses.bold : Curses.reverse)
            }
        }
        if first + shown < lines.count {
            put("↓ more", y: y0 + height - 1, x: x0 + width - 8, maxWidth: 6, attr: Curses.reverse | Curses.dim)
        }
        wattr_set(stdscr, 0, 0, nil)
    }
}

extension EditorState {
    var isShowingHelp: Bool {
        if case .help = mode { return true }
        return false
    }
}
