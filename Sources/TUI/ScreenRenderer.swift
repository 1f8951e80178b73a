import CNcursesw
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
        if state.mode == .help { drawHelp(geometry: geometry) }
        if let place = statusCaret ?? caretPlace, state.mode != .help {
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
        var caretPlace: (y: Int, x: Int)?
        var row = state.top
        for y in 0..<geometry.textHeight {
            guard let line = layout.line(at: row) else { break }
            let paragraphStart = layout.paragraphStart(row.paragraph)
            for cell in line.cells where cell.width > 0 && cell.column < geometry.textWidth {
                let start = paragraphStart + cell.source.lowerBound
                let selected = selection.map { $0.contains(start) } ?? false
                if let remote = remoteSelections.first(where: { $0.range.contains(start) }) {
                    wattr_set(stdscr, (selected ? Curses.reverse : 0) | Curses.underline, remote.pair, nil)
                } else {
                    wattr_set(stdscr, selected ? Curses.reverse : 0, 0, nil)
                }
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

    /// Writes `text` at (y, x), cut to `maxWidth` columns.
    private func put(_ text: String, y: Int, x: Int, maxWidth: Int, attr: attr_t?) {
        guard maxWidth > 0 else { return }
        if let attr { wattr_set(stdscr, attr, 0, nil) }
        var wide: [wchar_t] = []
        var used = 0
        for scalar in text.unicodeScalars {
            let w = max(0, DisplayWidth.of(scalar))
            if used + w > maxWidth { break }
            used += w
            wide.append(wchar_t(bitPattern: scalar.value))
        }
        wide.append(0)
        mvwaddnwstr(stdscr, Int32(y), Int32(x), wide, Int32(wide.count - 1))
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
        put("Online (\(state.onlineUsers.count))", y: 0, x: left, maxWidth: width, attr: Curses.bold)
        for (i, user) in state.onlineUsers.enumerated() where i + 1 < geometry.textHeight {
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

    /// Draws the status bar; returns the caret place when the find prompt has it.
    private func drawStatus(_ state: EditorState, geometry: ScreenGeometry, now: Date) -> (y: Int, x: Int)? {
        let y = geometry.rows - 1
        let width = geometry.columns
        wattr_set(stdscr, Curses.reverse, 0, nil)
        wmove(stdscr, Int32(y), 0)
        for _ in 0..<width { waddch(stdscr, chtype(UInt8(ascii: " "))) }
        if case let .find(query) = state.mode {
            let prompt = " Find: " + query
            put(prompt, y: y, x: 0, maxWidth: width, attr: Curses.reverse)
            wattr_set(stdscr, 0, 0, nil)
            return (y, min(width - 1, DisplayWidth.of(prompt)))
        }
        // The caret and direction stay visible on narrow screens; the left part is cut.
        let (left, rights) = Self.statusParts(state, documentName: documentName, now: now)
        let rightText = rights.first { DisplayWidth.of($0) + 12 <= width }.map { $0 + " " } ?? ""
        let rightWidth = DisplayWidth.of(rightText)
        put(" " + left, y: y, x: 0, maxWidth: max(0, width - rightWidth - 1), attr: Curses.reverse)
        if rightWidth > 0 { put(rightText, y: y, x: width - rightWidth, maxWidth: rightWidth, attr: Curses.reverse) }
        wattr_set(stdscr, 0, 0, nil)
        return nil
    }

    /// The status bar's text: name, connection, save state, online count, caret,
    /// direction; a message takes the place of the name and connection.
    static func statusLine(_ state: EditorState, documentName: String, now: Date) -> String {
        let (left, rights) = statusParts(state, documentName: documentName, now: now)
        return left + " │ " + (rights.first ?? "")
    }

    /// The status bar's left part (what may be cut) and its right part, longest
    /// first, to use the longest that fits.
    static func statusParts(_ state: EditorState, documentName: String, now: Date) -> (String, [String]) {
        let (line, column) = state.caretLineColumn
        let direction = state.caretDirection
        let override = state.layout.options.baseDirection
        let dir =
            (direction.paragraphRTL ? "RTL" : "LTR") + (override == .auto ? "" : "!")
            + (direction.runRTL != direction.paragraphRTL ? "/" + (direction.runRTL ? "rtl" : "ltr") : "")
        var parts: [String] = []
        if let message = state.message(at: now) {
            parts.append(message)
        } else {
            parts.append(documentName)
            parts.append("\(state.session.connection)" + (state.session.hasUnsyncedChanges ? " (unsynced)" : ""))
        }
        parts.append(saveText(state.session.save, now: now))
        let caret = "Ln \(line), Col \(column)"
        let online = "\(state.onlineUsers.count) online"
        return (
            parts.joined(separator: " │ "),
            [
                "\(online) │ \(caret) │ \(dir) │ F1 help",
                "\(online) │ \(caret) │ \(dir)",
                "\(caret) │ \(dir)",
                caret
            ]
        )
    }

    static func saveText(_ save: SaveState, now: Date) -> String {
        switch save {
        case let .saved(at):
            guard let at else { return "saved" }
            let seconds = max(0, Int(now.timeIntervalSince(at)))
            if seconds < 60 { return "saved \(seconds) s ago" }
            if seconds < 3600 { return "saved \(seconds / 60) min ago" }
            return "saved \(seconds / 3600) h ago"
        case .saving: return "saving"
        case .unsaved: return "unsaved changes"
        case .failed: return "save failed — retrying"
        }
    }

    // MARK: - Help

    static let helpLines: [String] = [
        "Qalam — keys",
        "",
        "Arrows         move (visually; F5: logical order)",
        "Ctrl-←/→       previous / next word",
        "Home / End     start / end of the line",
        "PgUp / PgDn    page up / down",
        "Shift+arrows   select      Ctrl-A  select all",
        "Ctrl-X/C/V     cut / copy / paste",
        "Ctrl-Z / Y     undo / redo your own edits",
        "Ctrl-F / F3    find (Enter: next, Esc: done)",
        "Ctrl-S         save now",
        "Ctrl-D / F2    paragraph direction auto/RTL/LTR",
        "Ctrl-P / F4    presence panel on / off",
        "Backspace/Del  delete a whole character (with its harakat)",
        "Esc            drop the selection / close find",
        "Mouse          click: place the caret; wheel: scroll",
        "F1             this help",
        "Ctrl-Q         quit",
        "",
        "Any key closes this help."
    ]

    private func drawHelp(geometry: ScreenGeometry) {
        let width = min(geometry.columns, (Self.helpLines.map { DisplayWidth.of($0) }.max() ?? 40) + 4)
        let height = min(geometry.textHeight, Self.helpLines.count + 2)
        let x0 = max(0, (geometry.columns - width) / 2)
        let y0 = max(0, (geometry.textHeight - height) / 2)
        for dy in 0..<height {
            wattr_set(stdscr, Curses.reverse, 0, nil)
            wmove(stdscr, Int32(y0 + dy), Int32(x0))
            for _ in 0..<width { waddch(stdscr, chtype(UInt8(ascii: " "))) }
            if dy >= 1 && dy - 1 < Self.helpLines.count && dy < height - 1 {
                put(
                    Self.helpLines[dy - 1], y: y0 + dy, x: x0 + 2, maxWidth: width - 4,
                    attr: dy == 1 ? Curses.reverse | Curses.bold : Curses.reverse)
            }
        }
        wattr_set(stdscr, 0, 0, nil)
    }
}
