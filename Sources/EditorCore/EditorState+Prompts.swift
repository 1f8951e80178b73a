import Foundation

/// A replace between its questions: what is replaced by what, and where it began
/// (so a pass that wrapped around stops there instead of going on forever when the
/// replacement contains what it replaces).
struct ReplaceRun: Equatable {
    var query: String
    var replacement: String
    var start: TextAnchor
    var wrapped = false
    var count = 0
}

// The status-bar prompts: find, replace, go to line.
extension EditorState {
    func handlePrompt(_ input: EditorInput, _ prompt: Prompt) -> EditorEffect {
        var prompt = prompt
        switch input {
        case let .paste(text):
            prompt.text += text.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
            mode = .prompt(prompt)
        case let .key(chord):
            switch (chord.key, chord.modifiers) {
            case (.character(let c), let modifiers) where !modifiers.contains(.control):
                prompt.text.append(c)
                mode = .prompt(prompt)
            case (.backspace, _):
                if !prompt.text.isEmpty { prompt.text.removeLast() }
                mode = .prompt(prompt)
            case (.escape, _):
                mode = .editing
                if prompt.purpose == .find { highlightsMatches = false }
            case (.enter, _):
                submit(prompt)
            case (.down, []) where prompt.purpose == .find:
                submit(prompt)
            case (.up, []) where prompt.purpose == .find:
                let query = prompt.text.isEmpty ? lastQuery : prompt.text
                lastQuery = query
                mode = .prompt(Prompt(purpose: .find, text: query))
                find(query, forward: false)
            default:
                if prompt.purpose == .find, let action = keymap.action(for: chord) {
                    switch action {
                    case .find, .findNext:
                        submit(prompt)
                        return .none
                    case .findPrevious:
                        handleFindPrevious(prompt)
                        return .none
                    default:
                        // Any other command ends the prompt and runs as usual.
                        mode = .editing
                        return perform(action)
                    }
                }
                if keymap.action(for: chord) == .quit {
                    mode = .editing
                    return perform(.quit)
                }
            }
        case .click, .scroll:
            mode = .editing
            return handle(input)
        }
        return .none
    }

    private func handleFindPrevious(_ prompt: Prompt) {
        let query = prompt.text.isEmpty ? lastQuery : prompt.text
        lastQuery = query
        mode = .prompt(Prompt(purpose: .find, text: query))
        find(query, forward: false)
    }

    private func submit(_ prompt: Prompt) {
        switch prompt.purpose {
        case .find:
            let query = prompt.text.isEmpty ? lastQuery : prompt.text
            lastQuery = query
            // The prompt stays open: Enter again finds the next one.
            mode = .prompt(Prompt(purpose: .find, text: query))
            find(query, forward: true)
        case .replaceWhat:
            let query = prompt.text.isEmpty ? lastQuery : prompt.text
            guard !query.isEmpty else {
                mode = .editing
                return
            }
            lastQuery = query
            guard !allMatches().isEmpty else {
                mode = .editing
                message = "Not found: \(query)"
                return
            }
            mode = .prompt(Prompt(purpose: .replaceWith(query: query), text: ""))
        case let .replaceWith(query):
            let start = selection?.lowerBound ?? caret
            replacing = ReplaceRun(
                query: query, replacement: prompt.text, start: document.anchor(at: start, bias: .before))
            highlightsMatches = true
            nextReplaceCandidate(from: start)
        case .goToLine:
            mode = .editing
            goToLine(prompt.text)
        }
    }

    // MARK: - Find

    /// F3 / Shift-F3 outside the prompt: the next or previous match of the last search.
    func findAgain(forward: Bool) {
        guard !lastQuery.isEmpty else {
            mode = .prompt(Prompt(purpose: .find, text: ""))
            return
        }
        find(lastQuery, forward: forward)
    }

    /// Selects the next (or previous) match after the caret, wrapping around, and
    /// says which one it is.
    func find(_ query: String, forward: Bool) {
        guard !query.isEmpty else { return }
        if lastQuery != query || !highlightsMatches { matchCache = nil }
        lastQuery = query
        highlightsMatches = true
        let matches = allMatches()
        guard !matches.isEmpty else {
            message = "Not found: \(query)"
            return
        }
        let index: Int
        if forward {
            // From the caret; a selected match counts as passed.
            let from = selection.map { $0.lowerBound + 1 } ?? caret
            index = matches.firstIndex { $0.lowerBound >= from } ?? 0
        } else {
            let before = selection?.lowerBound ?? caret
            index = matches.lastIndex { $0.lowerBound < before } ?? (matches.count - 1)
        }
        selectMatch(matches[index])
        message = "Match \(index + 1) of \(matches.count)"
    }

    private func selectMatch(_ range: Range<Int>) {
        clearSelection()
        selectionStart = range.lowerBound
        selectionAnchor = document.anchor(at: range.lowerBound, bias: .after)
        setCaret(range.upperBound)
        preferredColumn = nil
        scrollToCaret()
    }

    /// Every match of the last search, in order (ASCII letters match either case).
    public func allMatches() -> [Range<Int>] {
        if let matchCache { return matchCache }
        let found = Self.occurrences(of: Array(lastQuery.utf16), in: Array(layout.text.utf16))
        matchCache = found
        return found
    }

    /// The highlighted matches overlapping `range` (what the screen shows).
    public func highlightedMatches(in range: Range<Int>) -> [Range<Int>] {
        guard highlightsMatches, !lastQuery.isEmpty else { return [] }
        let matches = allMatches()
        // Matches do not overlap, so they are sorted by both ends.
        var low = 0
        var high = matches.count
        while low < high {
            let mid = (low + high) / 2
            if matches[mid].upperBound <= range.lowerBound { low = mid + 1 } else { high = mid }
        }
        var found: [Range<Int>] = []
        var i = low
        while i < matches.count, matches[i].lowerBound < range.upperBound {
            found.append(matches[i])
            i += 1
        }
        return found
    }

    static func fold(_ unit: UInt16) -> UInt16 {
        (0x41...0x5A).contains(unit) ? unit + 0x20 : unit
    }

    /// Non-overlapping occurrences, left to right.
    static func occurrences(of needle: [UInt16], in haystack: [UInt16]) -> [Range<Int>] {
        guard !needle.isEmpty, needle.count <= haystack.count else { return [] }
        let folded = needle.map(fold)
        var found: [Range<Int>] = []
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if fold(haystack[i]) == folded[0] {
                var j = 1
                while j < folded.count && fold(haystack[i + j]) == folded[j] { j += 1 }
                if j == folded.count {
                    found.append(i..<(i + needle.count))
                    i += needle.count
                    continue
                }
            }
            i += 1
        }
        return found
    }

    // MARK: - Replace

    /// Selects the next match to ask about, from `offset`; ends the run at its
    /// starting point after wrapping, or when nothing is left.
    private func nextReplaceCandidate(from offset: Int) {
        guard var run = replacing else { return }
        let matches = allMatches()
        let start = resolve(run.start) ?? 0
        var candidate = matches.first { $0.lowerBound >= offset }
        if run.wrapped, let found = candidate, found.lowerBound >= start { candidate = nil }
        if candidate == nil && !run.wrapped {
            run.wrapped = true
            candidate = matches.first { $0.lowerBound < start }
        }
        replacing = run
        guard let match = candidate else {
            finishReplace()
            return
        }
        selectMatch(match)
        mode = .confirmingReplace
        message = "Replace this one? y: yes, n: next, a: all, Esc: stop"
    }

    func handleReplaceAnswer(_ input: EditorInput) -> EditorEffect {
        guard var run = replacing, let current = selection else {
            finishReplace()
            return .none
        }
        guard case let .key(chord) = input else {
            message = "Replace this one? y: yes, n: next, a: all, Esc: stop"
            return .none
        }
        switch chord.key {
        case .character("y"), .character("Y"), .enter:
            edit(current, with: run.replacement)
            run.count += 1
            replacing = run
            nextReplaceCandidate(from: current.lowerBound + run.replacement.utf16.count)
        case .character("n"), .character("N"), .function(3):
            nextReplaceCandidate(from: current.lowerBound + 1)
        case .character("a"), .character("A"), .character("!"):
            replaceRest(from: current.lowerBound)
        case .escape:
            finishReplace()
        default:
            message = "Replace this one? y: yes, n: next, a: all, Esc: stop"
        }
        return .none
    }

    /// Replaces every match left in the run as one undo step.
    private func replaceRest(from offset: Int) {
        guard var run = replacing else { return }
        let start = resolve(run.start) ?? 0
        let matches = allMatches()
        let rest = matches.filter { match in
            run.wrapped
                ? match.lowerBound >= offset && match.lowerBound < start
                : match.lowerBound >= offset || match.lowerBound < start
        }
        document.stopCapturing()
        // From the last to the first, so the earlier ranges stay where they are.
        for match in rest.reversed() {
            do { try document.replace(match, with: run.replacement) } catch { break }
            run.count += 1
        }
        document.stopCapturing()
        replacing = run
        clearSelection()
        setCaret(min(caret, layout.utf16Count))
        finishReplace()
    }

    private func finishReplace() {
        let count = replacing?.count ?? 0
        replacing = nil
        mode = .editing
        message = count == 1 ? "Replaced 1 match" : "Replaced \(count) matches"
    }

    // MARK: - Go to line

    private func goToLine(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = parts.first, let line = Int(first), line > 0 else {
            message = "Type a line number (1 to \(layout.paragraphCount)), e.g. 12 or 12:5"
            return
        }
        let paragraph = min(line, layout.paragraphCount) - 1
        var offset = layout.paragraphStart(paragraph)
        if parts.count == 2, let column = Int(parts[1]), column > 1 {
            var steps = column - 1
            let end = layout.layout(ofParagraph: paragraph).endOffset
            while steps > 0, offset < end, let next = layout.nextClusterBoundary(after: offset) {
                offset = next
                steps -= 1
            }
        }
        moveCaret(to: offset, extend: false)
        if line > layout.paragraphCount {
            message = "The document has \(layout.paragraphCount) lines: went to the last one"
        }
    }
}
