import Foundation
import TextLayout
import YCRDT

/// Measures keystroke-to-screen time: one typed character at the end of a large
/// mixed Arabic/English Yjs document, through the editor's key handling, the layout
/// update and a full curses frame (drawn to a headless screen on /dev/null).
public enum KeystrokeBenchmark {
    public struct Result: CustomStringConvertible, Sendable {
        public var documentUTF16: Int
        public var keystrokes: Int
        public var medianMilliseconds: Double
        public var p90Milliseconds: Double
        public var p99Milliseconds: Double
        public var maxMilliseconds: Double

        public var description: String {
            String(format: "keystroke-to-screen at the end of a %d-unit document, %d keys: median %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms",
                   documentUTF16, keystrokes, medianMilliseconds, p90Milliseconds, p99Milliseconds, maxMilliseconds)
        }
    }

    /// A mixed document of about `bytes` UTF-8 bytes: paragraphs of Arabic with
    /// harakat, English, numbers, brackets and the odd emoji.
    public static func mixedDocument(bytes: Int) -> String {
        let paragraphs = [
            "السَّلامُ عَلَيْكُمْ — this paragraph mixes English and العربية (with brackets) and numbers 12 345.",
            "Meeting notes: لا إله إلا الله is a phrase with lam-alef; 😀 emoji and «quotes» follow.",
            "فقرة عربية طويلة نسبيا تحتوي على كلمات كثيرة لتختبر الالتفاف عند عرض الشاشة المحدود، ثم English at the end.",
            "A plain English paragraph of moderate length that wraps once or twice on a narrow terminal screen.",
        ]
        var text = ""
        var i = 0
        while text.utf8.count < bytes {
            text += paragraphs[i % paragraphs.count] + "\n"
            i += 1
        }
        return text
    }

    /// Runs the measurement; call it from a thread that owns no other curses screen.
    public static func run(documentBytes: Int = 1_000_000, keystrokes: Int = 300,
                           rows: Int = 40, columns: Int = 120) throws -> Result {
        // As when opening a stored document: the text was written by another client
        // and arrives as an update (typing then never grows the loaded items).
        let author = Doc(clientID: 1)
        author.getText("content").insert(mixedDocument(bytes: documentBytes), at: 0)
        let document = YTextDocument(doc: Doc(clientID: 7))
        try document.applyRemoteUpdate(try author.encodeStateAsUpdate())
        let terminal = try Terminal(headlessRows: rows, columns: columns)
        defer { terminal.restore() }
        let geometry = ScreenGeometry(rows: rows, columns: columns, showPanel: true)
        let state = EditorState(document: document, options: LayoutOptions(width: geometry.textWidth),
                                height: geometry.textHeight)
        state.setOnlineUsers([PresenceUser(id: "me", name: "me", color: "#3fa7d6", isSelf: true)])
        state.handle(.selectAll)
        state.handle(.escape)
        let renderer = ScreenRenderer(terminal: terminal, documentName: "benchmark")
        renderer.draw(state, geometry: geometry)
        let typed = Array("كتابة سريعة fast typing ")
        let keystrokes = max(1, keystrokes)
        var samples: [Double] = []
        samples.reserveCapacity(keystrokes)
        for i in 0..<keystrokes {
            let start = DispatchTime.now().uptimeNanoseconds
            state.handle(.character(typed[i % typed.count]))
            renderer.draw(state, geometry: geometry)
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
        }
        samples.sort()
        return Result(documentUTF16: document.utf16Count, keystrokes: keystrokes,
                      medianMilliseconds: samples[samples.count / 2],
                      p90Milliseconds: samples[samples.count * 9 / 10],
                      p99Milliseconds: samples[min(samples.count - 1, samples.count * 99 / 100)],
                      maxMilliseconds: samples.last ?? 0)
    }
}
