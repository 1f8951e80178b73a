import Foundation
import TextLayout

// Input: what each key, paste, click and wheel turn does.
extension EditorState {
    /// Applies one input; returns what the front end must do besides redrawing.
    @discardableResult
    public func handle(_ input: EditorInput) -> EditorEffect {
        message = nil
        if input != .key(keymap.chord(for: .quit) ?? .control("q")) { quitWarned = false }
        switch mode {
        case let .help(scroll):
            return handleHelp(input, scroll: scroll)
        case let .prompt(prompt):
            return handlePrompt(input, prompt)
        case .confirmingReplace:
            return handleReplaceAnswer(input)
        case .editing:
            switch input {
            case let .key(chord):
                if let action = keymap.action(for: chord) { return perform(action) }
                if case let .character(c) = chord.key, !chord.modifiers.contains(.control) {
                    type(String(c))
                } else {
                    message = "\(chord) does nothing here (F1 lists the keys)"
                }
            case let .paste(text): paste(text)
            case let .click(row, column): click(row: row, column: column)
            case let .scroll(rows): scroll(by: rows)
            }
            return .none
        }
    }

    /// Runs one action, as its key does.
    @discardableResult
    public func perform(_ action: EditorAction) -> EditorEffect {
        if action.edits, let reason = readOnlyReason {
            message = "Read-only: \(reason)"
            return .none
        }
        switch action {
        case .moveLeft: moveCaret(to: horizontalTarget(.left), extend: false)
        case .moveRight: moveCaret(to: horizontalTarget(.right), extend: false)
        case .selectLeft: moveCaret(to: horizontalTarget(.left), extend: true)
        case .selectRight: moveCaret(to: horizontalTarget(.right), extend: true)
        case .moveUp: moveVertically(rows: -1, extend: false)
        case .moveDown: moveVertically(rows: 1, extend: false)
        case .selectUp: moveVertically(rows: -1, extend: true)
        case .selectDown: moveVertically(rows: 1, extend: true)
        case .pageUp: moveVertically(rows: -max(1, viewHeight - 1), extend: false, scroll: true)
        case .pageDown: moveVertically(rows: max(1, viewHeight - 1), extend: false, scroll: true)
        case .lineStart: moveCaret(to: layout.lineStart(containing: caret), extend: false)
        case .lineEnd: moveCaret(to: layout.lineEnd(containing: caret), extend: false)
        case .selectLineStart: moveCaret(to: layout.lineStart(containing: caret), extend: true)
        case .selectLineEnd: moveCaret(to: layout.lineEnd(containing: caret), extend: true)
        case .documentStart: moveCaret(to: 0, extend: false)
        case .documentEnd: moveCaret(to: layout.utf16Count, extend: false)
        case .selectAll:
            clearSelection()
            selectionStart = 0
            selectionAnchor = document.anchor(at: 0, bias: .before)
            moveCaret(to: layout.utf16Count, extend: true)
        case .wordLeft, .wordRight:
            // Words follow the reading direction: in an RTL paragraph the next word is to the left.
            let rtl = layout.layout(containing: caret).alignsRight
            let forward = (action == .wordRight) != rtl
            moveCaret(
                to: forward ? layout.nextWordBoundary(after: caret) : layout.previousWordBoundary(before: caret),
                extend: false)
        case .newline: type("\n")
        case .tab: type("\t")
        case .deleteBackward:
            if !deleteSelection(), let previous = layout.previousClusterBoundary(before: caret) {
                edit(previous..<caret, with: "")
            }
        case .deleteForward:
            if !deleteSelection(), let next = layout.nextClusterBoundary(after: caret) {
                edit(caret..<next, with: "")
            }
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
        case .paste: paste(clipboard)
        case .undo:
            document.stopCapturing()
            if let at = document.undo() { placeCaretAfterHistory(at) } else { message = "Nothing to undo" }
        case .redo:
            if let at = document.redo() { placeCaretAfterHistory(at) } else { message = "Nothing to redo" }
        case .find:
            // Starts empty; Enter on an empty prompt repeats the last search.
            mode = .prompt(Prompt(purpose: .find, text: ""))
        case .findNext: findAgain(forward: true)
        case .findPrevious: findAgain(forward: false)
        case .replace: mode = .prompt(Prompt(purpose: .replaceWhat, text: ""))
        case .goToLine: mode = .prompt(Prompt(purpose: .goToLine, text: ""))
        case .save:
            guard !isReadOnly else {
                message = "Read-only: nothing of yours to save"
                return .none
            }
            saveRequested = true
            setMessage(Self.savingMessage, for: 3)
            return .save
        case .quit:
            if report.isSettled || quitWarned || isReadOnly { return .quit }
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
            mode = .help(scroll: 0)
        case .togglePresence:
            showPresence.toggle()
        case .toggleArrowMode:
            visualArrows.toggle()
            message = visualArrows ? "Arrows move visually" : "Arrows move in logical order"
        case .cancel:
            if highlightsMatches {
                highlightsMatches = false
            }
            clearSelection()
            reportSelection()
        }
        return .none
    }

    /// Types `text` at the caret, replacing the selection, as keys do.
    public func type(_ text: String) {
        if let reason = readOnlyReason {
            message = "Read-only: \(reason)"
            return
        }
        if let range = selection {
            edit(range, with: text)
        } else {
            edit(caret..<caret, with: text)
        }
    }

    /// Replaces `range` by `text` as one edit, the caret after it, as typing over a
    /// selection does (the headless driver's insert and delete).
    /// - Throws: `EditorError.readOnly` or `.rangeOutOfBounds`; nothing changes then.
    public func replace(_ range: Range<Int>, with text: String) throws {
        if let reason = readOnlyReason { throw EditorError.readOnly(reason: reason) }
        guard range.lowerBound >= 0, range.upperBound <= layout.utf16Count else {
            throw EditorError.rangeOutOfBounds(range: range, length: layout.utf16Count)
        }
        edit(range, with: text)
    }

    /// Puts the caret at `offset` (clamped, snapped to a character), dropping the
    /// selection, as a click does.
    public func placeCaret(at offset: Int) {
        moveCaret(to: offset, extend: false)
    }

    /// Selects `range` (clamped), the caret at its end.
    public func select(_ range: Range<Int>) {
        clearSelection()
        let lower = layout.clusterStart(atOrBefore: min(max(0, range.lowerBound), layout.utf16Count))
        selectionStart = lower
        selectionAnchor = document.anchor(at: lower, bias: .after)
        moveCaret(to: range.upperBound, extend: true)
    }

    // MARK: - Help

    private func handleHelp(_ input: EditorInput, scroll: Int) -> EditorEffect {
        let lines = keymap.helpLines.count
        switch input {
        case .key(KeyChord(.down)), .scroll(rows: 1...):
            mode = .help(scroll: min(scroll + 1, max(0, lines - 1)))
        case .key(KeyChord(.up)), .scroll(rows: ..<0):
            mode = .help(scroll: max(0, scroll - 1))
        case .key(KeyChord(.pageDown)):
            mode = .help(scroll: min(scroll + max(1, viewHeight - 3), max(0, lines - 1)))
        case .key(KeyChord(.pageUp)):
            mode = .help(scroll: max(0, scroll - max(1, viewHeight - 3)))
        default:
            mode = .editing
        }
        return .none
    }

    // MARK: - Editing

    func paste(_ text: String) {
        guard !text.isEmpty else { return }
        if let reason = readOnlyReason {
            message = "Read-only: \(reason)"
            return
        }
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        // One paste, one undo step, whatever was typed just before or after.
        document.stopCapturing()
        type(normalized)
        document.stopCapturing()
    }

    private func deleteSelection() -> Bool {
        guard let range = selection else { return false }
        edit(range, with: "")
        return true
    }

    func edit(_ range: Range<Int>, with text: String) {
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

    // MARK: - Motion

    private func horizontalTarget(_ direction: HorizontalDirection) -> Int {
        if visualArrows { return layout.moveVisually(from: caret, direction) }
        let rtl = layout.layout(containing: caret).alignsRight
        let forward = (direction == .right) != rtl
        return (forward ? layout.nextClusterBoundary(after: caret) : layout.previousClusterBoundary(before: caret))
            ?? caret
    }

    func moveCaret(to offset: Int, extend: Bool) {
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

    private func click(row: Int, column: Int) {
        guard row >= 0, row < viewHeight, column >= 0 else { return }
        let target = layout.row(top, offsetBy: row)
        moveCaret(to: layout.offset(row: target, column: min(column, viewWidth - 1)), extend: false)
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
        selectionAnchor = document.anchor(at: caret, bias: .after)
    }

    func scroll(by rows: Int) {
        top = layout.row(top, offsetBy: rows)
        saveTop()
    }

    func clearSelection() {
        selectionStart = nil
        selectionAnchor = nil
    }

    func setCaret(_ offset: Int) {
        caret = layout.clusterStart(atOrBefore: min(max(0, offset), layout.utf16Count))
        caretAnchor = document.anchor(at: caret, bias: .before)
        reportSelection()
    }

    /// Tells the backend where the caret and selection are now (a cleared selection
    /// too, so the others stop showing it). Nothing leaves a read-only editor.
    func reportSelection() {
        guard !isReadOnly else { return }
        let anchor = selectionStart == nil ? caretAnchor : (selectionAnchor ?? caretAnchor)
        onSelectionMoved?(SharedSelection(anchor: anchor, head: caretAnchor))
    }

    /// Scrolls so the caret's row is in view (after local actions only).
    func scrollToCaret() {
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

    /// Anchors the view's top row to the character before its start, so text
    /// typed by others at the very start of the document (or of the row's
    /// paragraph) shows instead of pushing the view down.
    private func saveTop() {
        let start = layout.line(at: top).map { layout.paragraphStart(top.paragraph) + $0.source.lowerBound } ?? 0
        topAnchor = document.anchor(at: start, bias: .before)
    }
}
