import EditorCore
import Foundation
import TUI

/// Keys typed at a typist's pace into an editor that runs as `qalam edit` runs it:
/// on a thread of its own (the editor's UI thread), which between keys does what
/// `Editor.run` does while no key waits (counts words an idle slice at a time,
/// then sleeps until the next key).
///
/// A key is due every `interval`; each sample runs from the moment the key was due
/// to the moment its frame was written (curses' `doupdate` returned). So it holds
/// what a user waits for inside the editor: the end of an idle slice, the thread's
/// wake-up, the edit with the document's update handler (for a session: the crash
/// journal), layout and drawing. Left out: the terminal's side (reading the key
/// from the pty, showing the bytes), the same for every editor.
struct PacedTyping {
    /// The pause between keys: a fast typist (80 words a minute is about 150 ms a
    /// key; 15 ms keeps the run short and the session's threads busy).
    var interval: TimeInterval = 0.015

    /// Types `TypingScenario.keys[first..<(first + count)]` into `state`, drawn on
    /// `screen`, on a new thread; returns one sample per key.
    func type(_ count: Int, from first: Int, into state: EditorState, on screen: HeadlessScreen) async -> Samples {
        let run = Run(state: state, screen: screen, interval: interval, keys: first..<(first + count))
        return await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: run.type()) }
            thread.name = "benchmark-ui"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// What the UI thread uses; only that thread touches it while it types.
    private final class Run: @unchecked Sendable {
        let state: EditorState
        let screen: HeadlessScreen
        let interval: TimeInterval
        let keys: Range<Int>

        init(state: EditorState, screen: HeadlessScreen, interval: TimeInterval, keys: Range<Int>) {
            self.state = state
            self.screen = screen
            self.interval = interval
            self.keys = keys
        }

        func type() -> Samples {
            var samples = Samples()
            // Switching editors redraws everything; a real editor never does between keys.
            screen.draw(state)
            let step = UInt64(interval * 1e9)
            var due = Self.now() + step
            for i in keys {
                idle(until: due)
                _ = state.handle(TypingScenario.keys[i % TypingScenario.keys.count])
                screen.draw(state)
                samples.append(Double(Self.now() &- due) / 1e6)
                due += step
            }
            return samples
        }

        /// The editor between keys: count words a slice at a time while some are
        /// uncounted (drawing once the count is complete), else sleep.
        private func idle(until due: UInt64) {
            while Self.now() < due {
                if state.hasUncountedText {
                    if state.countWhileIdle() { screen.draw(state) }
                } else {
                    let left = due &- Self.now()
                    guard left > 0, left < UInt64(Int64.max) else { return }
                    var pause = timespec(tv_sec: Int(left / 1_000_000_000), tv_nsec: Int(left % 1_000_000_000))
                    nanosleep(&pause, nil)
                }
            }
        }

        /// Wall time in nanoseconds (monotonic).
        static func now() -> UInt64 {
            var time = timespec()
            clock_gettime(CLOCK_MONOTONIC, &time)
            return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
        }
    }
}
