import Foundation
import TextLayout
import YCRDT

/// Everything the editor knows between two frames, and what each key does to it.
/// No curses and no network here: a front end draws this state and feeds it input,
/// so the editing behaviour is the same on the screen, in `--headless` and in tests.
///
/// Offsets are UTF-16 code units (Yjs indices). The caret, the selection's start and
/// the top of the view are also held as anchors (relative positions), so another
/// writer's edit never moves them off their text: the caret holds on to the
/// character before it, so what its owner types next continues their own text
/// even while someone types at the same place.
public final class EditorState {
    /// The text being edited.
    public let document: EditorDocument
    /// The document's layout, kept in step with it edit by edit.
    public let layout: DocumentLayout
    /// Which key does what.
    public let keymap: Keymap

    /// The caret's offset; always at a grapheme boundary.
    public internal(set) var caret: Int = 0
    /// The other end of the selection, if there is one.
    public internal(set) var selectionStart: Int?
    /// What Ctrl-C / Ctrl-X took (the editor's own clipboard, not the terminal's).
    public internal(set) var clipboard = ""
    /// The first row shown.
    public internal(set) var top = RowAddress(paragraph: 0, line: 0)
    /// The text area's size in cells.
    public internal(set) var viewWidth: Int
    public internal(set) var viewHeight: Int
    /// The caret's column to come back to on vertical motion.
    var preferredColumn: Int?

    var caretAnchor: TextAnchor
    var selectionAnchor: TextAnchor?
    var topAnchor: TextAnchor

    /// What the keys act on now.
    public internal(set) var mode: EditorMode = .editing
    /// The text searched for last; its matches stay highlighted until Esc.
    public internal(set) var lastQuery = ""
    /// Whether the matches of `lastQuery` are highlighted.
    public internal(set) var highlightsMatches = false
    var matchCache: [Range<Int>]?
    /// A replace in progress (Ctrl-R), between its questions.
    var replacing: ReplaceRun?

    /// A one-line message for the status bar; cleared by the next key.
    public internal(set) var message: String? {
        didSet { messageExpiry = nil }
    }
    /// When a message about the session (not about a key) stops hiding the
    /// connection state it replaces in the status bar.
    var messageExpiry: Date?
    /// Whether the presence panel is shown.
    public internal(set) var showPresence = true
    /// Whether arrows move visually (default) or in logical order.
    public internal(set) var visualArrows = true
    /// Why the document may not be changed here, or nil when it may.
    public private(set) var readOnlyReason: String?
    /// Whether the document may not be changed here (a viewer).
    public var isReadOnly: Bool { readOnlyReason != nil }

    /// The connection and save state, for the status bar.
    public internal(set) var report = StatusReport.local
    /// Who has the document open now, for the presence panel.
    public private(set) var collaborators: [Collaborator] = []
    /// The other editors' carets as last announced.
    public private(set) var remoteCarets: [RemoteCaret] = []
    var quitWarned = false
    /// Whether Ctrl-S asked for a save whose outcome is not reported yet.
    var saveRequested = false
    /// Word and character counts, kept per paragraph.
    var statistics = TextStatistics()
    /// Counts once per change, the selection's not once per frame.
    var version = 0
    var selectionCountCache: (range: Range<Int>, version: Int, counts: TextCounts)?
    /// Called on every caret or selection change (for awareness); never in read-only mode.
    public var onSelectionMoved: ((SharedSelection) -> Void)?
    /// Called after every document change the state has taken in.
    public var onDocumentChanged: ((DocumentChange) -> Void)?

    public init(document: EditorDocument, options: LayoutOptions, height: Int, keymap: Keymap = .standard) {
        self.document = document
        self.keymap = keymap
        layout = DocumentLayout(text: document.text, options: options)
        viewWidth = options.width
        viewHeight = max(1, height)
        caretAnchor = document.anchor(at: 0, bias: .before)
        topAnchor = document.anchor(at: 0, bias: .before)
        statistics.reset(paragraphs: layout.paragraphCount)
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

    /// Takes in the backend's connection and save state.
    public func setReport(_ report: StatusReport) {
        let saveChanged = report.save != self.report.save
        self.report = report
        if report.isSettled { quitWarned = false }
        if saveChanged && saveRequested {
            // The save's own state now says what Ctrl-S is doing.
            saveRequested = false
            if message == Self.savingMessage { message = nil }
        }
    }

    /// Switches read-only mode (a viewer): editing keys are refused with a message
    /// and nothing is sent. `reason` says why, for that message.
    public func setReadOnly(_ readOnly: Bool, reason: String? = nil) {
        readOnlyReason = readOnly ? (reason ?? "you can read this document but not change it") : nil
        if readOnly, case .prompt(let prompt) = mode, prompt.purpose != .find, prompt.purpose != .goToLine {
            mode = .editing
        }
        if readOnly { replacing = nil }
    }

    /// Replaces the list of people in the presence panel.
    public func setCollaborators(_ people: [Collaborator]) { collaborators = people }

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

    /// Takes in one event from the backend; `applyUpdate` applies a remote update
    /// to the document (the backend knows its encoding).
    public func apply(_ event: EditorEvent, applyUpdate: (ParsedUpdate) throws -> Void, now: Date = Date()) {
        switch event {
        case let .remoteUpdate(update):
            do { try applyUpdate(update) } catch { setMessage("Ignored a remote update: \(error)", for: 5, now: now) }
        case let .collaborators(people): setCollaborators(people)
        case let .remoteCarets(carets): setRemoteCarets(carets, now: now)
        case let .status(report): setReport(report)
        case let .notice(text): setMessage(text, for: Self.noticeDuration, now: now)
        case let .readOnly(reason): if !isReadOnly { setReadOnly(true, reason: reason) }
        }
    }

    /// How long a notice from the backend (a dropped connection, a server
    /// warning) replaces the name and connection state in the status bar.
    public static let noticeDuration: TimeInterval = 5
    static let savingMessage = "Saving…"

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

    // MARK: - Document changes

    /// Keeps the layout in step with the document and, after a remote change, puts
    /// the caret, the selection and the view back on their anchors.
    func documentDidChange(_ change: DocumentChange) {
        var inStep = true
        for edit in change.edits where inStep {
            let first = layout.paragraphIndex(containing: edit.range.lowerBound)
            let last = layout.paragraphIndex(containing: edit.range.upperBound)
            let before = layout.paragraphCount
            do { try layout.replace(edit.range, with: edit.replacement) } catch { inStep = false }
            if inStep { statistics.replace(first...last, with: layout.paragraphCount - before + (last - first + 1)) }
        }
        if !inStep || layout.utf16Count != document.utf16Count {
            layout.setText(document.text)
            statistics.reset(paragraphs: layout.paragraphCount)
        }
        if !change.edits.isEmpty {
            matchCache = nil
            version += 1
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

    func resolve(_ anchor: TextAnchor) -> Int? {
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

    /// Words (UAX #29) and characters (grapheme clusters, newlines not counted) in
    /// the whole text.
    public var counts: TextCounts {
        statistics.totals { layout.paragraphText($0) }
    }

    /// The counts if they can be had by `deadline`, else nil; what was counted
    /// by then is kept, so a front end can count a large document a slice per
    /// frame instead of holding up its first screen.
    public func counts(until deadline: Date) -> TextCounts? {
        statistics.totals({ layout.paragraphText($0) }, until: deadline)
    }

    /// How long `countWhileIdle` counts: a key that arrives meanwhile waits at most this.
    public static let idleSlice: TimeInterval = 0.001

    /// Counts words for one `idleSlice`, what a front end does while no key is
    /// waiting; returns whether the count is now complete (the status bar then
    /// has its figures to draw).
    @discardableResult
    public func countWhileIdle() -> Bool {
        counts(until: Date().addingTimeInterval(Self.idleSlice)) != nil
    }

    /// Whether some of the text is not counted yet (see `counts(until:)`).
    public var hasUncountedText: Bool { !statistics.isComplete }

    /// Words and characters in the selection, or nil without one.
    public var selectionCounts: TextCounts? {
        guard let range = selection else { return nil }
        if let cached = selectionCountCache, cached.range == range, cached.version == version { return cached.counts }
        let counts = TextCounts(of: layout.text(in: range))
        selectionCountCache = (range, version, counts)
        return counts
    }
}

/// What the keys act on.
public enum EditorMode: Equatable, Sendable {
    case editing
    /// The key list; `scroll` is its first line shown.
    case help(scroll: Int)
    /// A one-line prompt in the status bar.
    case prompt(Prompt)
    /// Ctrl-R found a match and asks what to do with it.
    case confirmingReplace
}

/// A question in the status bar and what has been typed into it.
public struct Prompt: Equatable, Sendable {
    public enum Purpose: Equatable, Sendable {
        case find
        /// Ctrl-R's first question: what to replace.
        case replaceWhat
        /// Ctrl-R's second question: with what.
        case replaceWith(query: String)
        case goToLine
    }

    public var purpose: Purpose
    public var text: String

    /// The question as the status bar shows it.
    public var label: String {
        switch purpose {
        case .find: return "Find: "
        case .replaceWhat: return "Replace: "
        case let .replaceWith(query): return "Replace “\(query)” with: "
        case .goToLine: return "Go to line: "
        }
    }
}

/// What the front end must do after an input, besides drawing.
public enum EditorEffect: Equatable, Sendable {
    case none
    case save
    case quit
}
