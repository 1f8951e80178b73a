import Foundation
import TextLayout

/// Everything the editor knows between two frames, and what each key does to it.
/// No curses here: the screen is drawn from this state by `ScreenRenderer`, so the
/// editing behaviour is tested without a terminal.
///
/// Offsets are UTF-16 code units (Yjs indices). The caret and the top of the view
/// are also held as anchors (relative positions), so a remote edit never moves the
/// caret off its text and never scrolls the view.
public final class EditorState {
    /// The text being edited.
    public let document: EditorDocument
    /// The document's layout, kept in step with it edit by edit.
    public let layout: DocumentLayout

    /// The caret's offset; always at a grapheme boundary.
    public private(set) var caret: Int = 0
    /// The other end of the selection, if there is one.
    public private(set) var selectionStart: Int?
    /// What Ctrl-C / Ctrl-X took (the editor's own clipboard, not the terminal's).
    public private(set) var clipboard = ""
    /// The first row shown.
    public private(set) var top = RowAddress(paragraph: 0, line: 0)
    /// The text area's size in cells.
    public private(set) var viewWidth: Int
    public private(set) var viewHeight: Int
    /// The caret's column to come back to on vertical motion.
    private var preferredColumn: Int?

    private var caretAnchor: TextAnchor
    private var selectionAnchor: TextAnchor?
    private var topAnchor: TextAnchor

    /// Modal input: the find prompt or the help screen.
    public enum Mode: Equatable {
        case editing
        case find(query: String)
        case help
    }
    /// What the keys act on now.
    public private(set) var mode: Mode = .editing
    /// The last search, repeated by an empty find.
    public private(set) var lastQuery = ""
    /// A one-line message for the status bar; cleared by the next key.
    public private(set) var message: String? {
        didSet { messageExpiry = nil }
    }
    /// When a message about the session (not about a key) stops hiding the
    /// connection state it replaces in the status bar.
    private var messageExpiry: Date?
    /// Whether the presence panel is shown.
    public private(set) var showPresence = true
    /// Whether arrows move visually (default) or in logical order.
    public private(set) var visualArrows = true

    /// The connection and save state, for the status bar.
    public private(set) var session = SessionState(connection: .local, save: .saved(at: nil))
    /// Who is in the document now, for the presence panel.
    public private(set) var onlineUsers: [PresenceUser] = []
    /// The other editors' carets as last announced.
    public private(set) var remoteCarets: [RemoteCaret] = []
    private var quitWarned = false
    /// Called on every caret or selection change (for awareness).
    public var onCursorMoved: ((TextAnchor, TextAnchor) -> Void)?
    /// Called after every document change the state has taken in.
    public var onDocumentChanged: ((DocumentChange) -> Void)?

    public init(document: EditorDocument, options: LayoutOptions, height: Int) {
        self.document = document
        layout = DocumentLayout(text: document.text, options: options)
        viewWidth = options.width
        viewHeight = max(1, height)
        caretAnchor = document.anchor(at: 0, assoc: 0)
        topAnchor = document.anchor(at: 0, assoc: 0)
        document.onChange = { [weak self] change in self?.documentDidChange(change) }
    }

    // MARK: - Outside events

    /// The text area changed size: reflow, keep the caret in view.
    public func resize(width: Int, height: Int) {
        var options = layout.options
        options.width = width
        layout.setOptions(options)
        viewWidth = options.width
        viewHeight = max(1, height)
        top = layout.position(forOffset: layout.lineStart(containing: resolve(topAnchor) ?? 0)).row
        scrollToCaret()
    }

    /// Takes in the session's connection and save state.
    public func setSessionState(_ state: SessionState) {
        session = state
        if state.isSettled { quitWarned = false }
    }

    /// Replaces the list of users in the presence panel.
    public func setOnlineUsers(_ users: [PresenceUser]) { onlineUsers = users }

    /// Replaces the remote carets. One that disappears lingers for
    /// `caretLinger` seconds, so a caret flickering out and back in between two
    /// awareness updates does not blink on screen.
    public func setRemoteCarets(_ carets: [RemoteCaret], now: Date = Date()) {
        let kept = Set(carets.map(\.clientID))
        for old in remoteCarets where !kept.contains(old.clientID) {
            departedCarets[old.clientID] = (old, now)
        }
        for id in kept { departedCarets[id] = nil }
        remoteCarets = carets
    }

    /// How long a remote caret stays drawn after it left.
    public var caretLinger: TimeInterval = 1.5
    private var departedCarets: [UInt64: (caret: RemoteCaret, since: Date)] = [:]

    /// The carets to draw now: the current ones and those that left very recently.
    public func visibleRemoteCarets(now: Date = Date()) -> [RemoteCaret] {
        departedCarets = departedCarets.filter { now.timeIntervalSince($0.value.since) < caretLinger }
        return remoteCarets + departedCarets.values.map(\.caret).sorted { $0.clientID < $1.clientID }
    }

    /// Shows a one-line message in the status bar until the next key (nil clears
    /// it), or only for `duration` when given: news from the network must not
    /// hide the connection state for good while the writer is not typing.
    public func setMessage(_ text: String?, for duration: TimeInterval? = nil, now: Date = Date()) {
        message = text
        messageExpiry = duration.map { now.addingTimeInterval($0) }
    }

    /// The message to show at `now`: `message` unless it has expired.
    public func message(at now: Date) -> String? {
        if let messageExpiry, now >= messageExpiry { return nil }
        return message
    }

    /// Remote carets resolved to offsets (caret, selection start), skipping those
    /// that cannot be resolved yet.
    public func resolvedRemoteCarets(now: Date = Date()) -> [(caret: RemoteCaret, head: Int, anchor: Int)] {
        visibleRemoteCarets(now: now).compactMap { remote in
            guard let head = document.resolve(remote.head), let anchor = document.resolve(remote.anchor) else {
                return nil
            }
            return (remote, min(head, layout.utf16Count), min(anchor, layout.utf16Count))
        }
    }

    /// The selected range, if any.
    public var selection: Range<Int>? {
        guard let start = selectionStart, start != caret else { return nil }
        return min(start, caret)..<max(start, caret)
    }

    // MARK: - Keys

    /// Applies one key; returns what the loop must do besides redrawing.
    @discardableResult
    public func handle(_ key: EditorKey) -> EditorCommand {
        message = nil
        if key != .quit { quitWarned = false }
        switch mode {
        case .help:
            mode = .editing
            return .none
        case let .find(query):
            return handleFind(key, query: query)
        case .editing:
            return handleEditing(key)
        }
    }

    private func handleEditing(_ key: EditorKey) -> EditorCommand {
        switch key {
        case let .character(c): insert(String(c))
        case .enter: insert("\n")
        case .tab: insert("\t")
        case let .paste(text): paste(text)
        case .pasteClipboard: paste(clipboard)
        case .backspace:
            if !deleteSelection(), let previous = layout.previousClusterBoundary(before: caret) {
                edit(previous..<caret, with: "")
            }
        case .delete:
            if !deleteSelection(), let next = layout.nextClusterBoundary(after: caret) {
                edit(caret..<next, with: "")
            }
        case .left: moveCaret(to: horizontalTarget(.left), extend: false)
        case .right: moveCaret(to: horizontalTarget(.right), extend: false)
        case .selectLeft: moveCaret(to: horizontalTarget(.left), extend: true)
        case .selectRight: moveCaret(to: horizontalTarget(.right), extend: true)
        case .up: moveVertically(rows: -1, extend: false)
        case .down: moveVertically(rows: 1, extend: false)
        case .selectUp: moveVertically(rows: -1, extend: true)
        case .selectDown: moveVertically(rows: 1, extend: true)
        case .pageUp: moveVertically(rows: -max(1, viewHeight - 1), extend: false, scroll: true)
        case .pageDown: moveVertically(rows: max(1, viewHeight - 1), extend: false, scroll: true)
        case .home: moveCaret(to: layout.lineStart(containing: caret), extend: false)
        case .end: moveCaret(to: layout.lineEnd(containing: caret), extend: false)
        case .selectHome: moveCaret(to: layout.lineStart(containing: caret), extend: true)
        case .selectEnd: moveCaret(to: layout.lineEnd(containing: caret), extend: true)
        case .selectAll:
            selectionStart = 0
            selectionAnchor = document.anchor(at: 0, assoc: -1)
            moveCaret(to: layout.utf16Count, extend: true)
        case .wordLeft, .wordRight:
            // Words follow the reading direction: in an RTL paragraph the next word is to the left.
            let rtl = layout.layout(containing: caret).alignsRight
            let forward = (key == .wordRight) != rtl
            moveCaret(
                to: forward ? layout.nextWordBoundary(after: caret) : layout.previousWordBoundary(before: caret),
                extend: false)
        case .cut:
            if let range = selection {
                clipboard = layout.text(in: range)
                edit(range, with: "")
            } else {
                message = "Nothing selected to cut (select with Shift+arrows)"
            }
        case .copy:
            if let range = selection {
                clipboard = layout.text(in: range)
                message = "Copied \(clipboard.count) characters"
            } else {
                message = "Nothing selected to copy (select with Shift+arrows)"
            }
        case .undo:
            document.stopCapturing()
            if let at = document.undo() { placeCaretAfterHistory(at) } else { message = "Nothing to undo" }
        case .redo:
            if let at = document.redo() { placeCaretAfterHistory(at) } else { message = "Nothing to redo" }
        case .find:
            // Starts empty; Enter on an empty prompt repeats the last search.
            mode = .find(query: "")
        case .save:
            message = "Saving…"
            return .save
        case .quit:
            if session.isSettled || quitWarned { return .quit }
            quitWarned = true
            message = "Not yet saved or synced: press Ctrl-Q again to quit anyway (saving now)"
            return .save
        case .flipDirection:
            var options = layout.options
            options.baseDirection = options.baseDirection.next
            layout.setOptions(options)
            message = "Paragraph direction: \(options.baseDirection)"
            top = layout.position(forOffset: resolve(topAnchor) ?? 0).row
            scrollToCaret()
        case .help:
            mode = .help
        case .togglePresence:
            showPresence.toggle()
        case .toggleCursorMode:
            visualArrows.toggle()
            message = visualArrows ? "Arrows move visually" : "Arrows move in logical order"
        case .escape:
            clearSelection()
        case let .click(row, column):
            guard row >= 0, row < viewHeight, column >= 0 else { break }
            let target = layout.row(top, offsetBy: row)
            moveCaret(to: layout.offset(row: target, column: min(column, viewWidth - 1)), extend: false)
        case .scrollUp: scroll(by: -3)
        case .scrollDown: scroll(by: 3)
        }
        return .none
    }

    private func handleFind(_ key: EditorKey, query: String) -> EditorCommand {
        switch key {
        case let .character(c): mode = .find(query: query + String(c))
        case let .paste(text): mode = .find(query: query + text.replacingOccurrences(of: "\n", with: " "))
        case .backspace: mode = .find(query: String(query.dropLast()))
        case .escape:
            mode = .editing
        case .enter, .find:
            let wanted = query.isEmpty ? lastQuery : query
            lastQuery = wanted
            mode = .find(query: wanted)
            findNext(wanted)
        case .quit:
            mode = .editing
            return handleEditing(.quit)
        default:
            mode = .editing
            return handleEditing(key)
        }
        return .none
    }

    // MARK: - Editing

    private func insert(_ text: String) {
        if let range = selection {
            edit(range, with: text)
        } else {
            edit(caret..<caret, with: text)
        }
    }

    private func paste(_ text: String) {
        guard !text.isEmpty else { return }
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        // One paste, one undo step, whatever was typed just before or after.
        document.stopCapturing()
        insert(normalized)
        document.stopCapturing()
    }

    private func deleteSelection() -> Bool {
        guard let range = selection else { return false }
        edit(range, with: "")
        return true
    }

    private func edit(_ range: Range<Int>, with text: String) {
        do {
            try document.replace(range, with: text)
        } catch {
            message = "\(error)"
            return
        }
        clearSelection()
        setCaret(range.lowerBound + text.utf16.count)
        scrollToCaret()
    }

    private func placeCaretAfterHistory(_ offset: Int) {
        clearSelection()
        setCaret(min(max(0, offset), layout.utf16Count))
        scrollToCaret()
    }

    /// Keeps the layout in step with the document and, after a remote change, puts
    /// the caret and the view back on their anchors.
    private func documentDidChange(_ change: DocumentChange) {
        var inStep = true
        for edit in change.edits where inStep {
            do { try layout.replace(edit.range, with: edit.replacement) } catch { inStep = false }
        }
        if !inStep || layout.utf16Count != document.utf16Count {
            layout.setText(document.text)
        }
        if !change.isLocal {
            caret = layout.clusterStart(atOrBefore: resolve(caretAnchor) ?? min(caret, layout.utf16Count))
            if let anchor = selectionAnchor {
                selectionStart = resolve(anchor).map { min($0, layout.utf16Count) }
            }
            let topOffset = resolve(topAnchor) ?? 0
            top = layout.position(forOffset: layout.lineStart(containing: topOffset)).row
        }
        onDocumentChanged?(change)
    }

    // MARK: - Motion

    private func horizontalTarget(_ direction: HorizontalDirection) -> Int {
        if visualArrows { return layout.moveVisually(from: caret, direction) }
        let rtl = layout.layout(containing: caret).alignsRight
        let forward = (direction == .right) != rtl
        return (forward ? layout.nextClusterBoundary(after: caret) : layout.previousClusterBoundary(before: caret))
            ?? caret
    }

    private func moveCaret(to offset: Int, extend: Bool) {
        startOrClearSelection(extend: extend)
        preferredColumn = nil
        setCaret(offset)
        scrollToCaret()
    }

    private func moveVertically(rows: Int, extend: Bool, scroll: Bool = false) {
        let column = preferredColumn ?? layout.position(forOffset: caret).column
        startOrClearSelection(extend: extend)
        if scroll { top = layout.row(top, offsetBy: rows) }
        setCaret(layout.moveVertically(from: caret, rows: rows, column: column))
        preferredColumn = column
        scrollToCaret()
    }

    /// Before a motion: a shifted one starts a selection at the caret (unless one
    /// is already open), a plain one drops the selection.
    private func startOrClearSelection(extend: Bool) {
        guard extend else {
            clearSelection()
            return
        }
        guard selectionStart == nil else { return }
        selectionStart = caret
        selectionAnchor = document.anchor(at: caret, assoc: -1)
    }

    private func scroll(by rows: Int) {
        top = layout.row(top, offsetBy: rows)
        saveTop()
    }

    private func findNext(_ query: String) {
        guard !query.isEmpty else { return }
        let units = Array(document.text.utf16)
        let needle = Array(query.utf16)
        let from = selection.map { $0.lowerBound + 1 } ?? caret
        let hit = Self.search(needle, in: units, from: from) ?? Self.search(needle, in: units, from: 0)
        guard let start = hit else {
            message = "Not found: \(query)"
            return
        }
        selectionStart = start
        selectionAnchor = document.anchor(at: start, assoc: -1)
        setCaret(start + needle.count)
        scrollToCaret()
        message = "Found “\(query)” (Enter: next, Esc: done)"
    }

    static func search(_ needle: [UInt16], in haystack: [UInt16], from: Int) -> Int? {
        guard !needle.isEmpty, needle.count <= haystack.count else { return nil }
        var i = max(0, from)
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    private func clearSelection() {
        selectionStart = nil
        selectionAnchor = nil
    }

    private func setCaret(_ offset: Int) {
        caret = layout.clusterStart(atOrBefore: min(max(0, offset), layout.utf16Count))
        caretAnchor = document.anchor(at: caret, assoc: 0)
        onCursorMoved?(selectionAnchor ?? caretAnchor, caretAnchor)
    }

    /// Scrolls so the caret's row is in view (after local actions only).
    private func scrollToCaret() {
        let row = layout.position(forOffset: caret).row
        if row < top {
            top = row
        } else {
            let distance = layout.rowDistance(from: top, to: row, limit: viewHeight + 1)
            if distance >= viewHeight {
                top = layout.row(row, offsetBy: -(viewHeight - 1))
            }
        }
        saveTop()
    }

    private func saveTop() {
        let start = layout.line(at: top).map { layout.paragraphStart(top.paragraph) + $0.source.lowerBound } ?? 0
        topAnchor = document.anchor(at: start, assoc: 0)
    }

    private func resolve(_ anchor: TextAnchor) -> Int? {
        document.resolve(anchor).map { min(max(0, $0), layout.utf16Count) }
    }

    // MARK: - For the status bar

    /// 1-based paragraph and character column of the caret.
    public var caretLineColumn: (line: Int, column: Int) {
        let p = layout.paragraphIndex(containing: caret)
        return (p + 1, layout.layout(ofParagraph: p).clusterOrdinal(atOffset: caret) + 1)
    }

    /// The caret's paragraph direction and the run direction under it.
    public var caretDirection: (paragraphRTL: Bool, runRTL: Bool) {
        let paragraph = layout.layout(containing: caret)
        return (paragraph.isRTL, paragraph.isRTL(atOffset: caret))
    }
}
