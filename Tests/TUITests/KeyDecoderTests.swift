import CNcursesw
import EditorCore
import XCTest

@testable import TUI

/// Curses input becomes chords; the key table alone says what they do.
final class KeyDecoderTests: XCTestCase {
    private func decode(_ value: Int32, keyCode: Bool = false) -> EditorInput? {
        var decoder = KeyDecoder()
        return decoder.decode(UInt32(bitPattern: value), isKeyCode: keyCode) { nil }
    }

    func testControlKeysAndFunctionKeysReachTheirActions() {
        let keymap = Keymap.standard
        func action(_ input: EditorInput?) -> EditorAction? {
            guard case let .key(chord)? = input else { return nil }
            return keymap.action(for: chord)
        }
        XCTAssertEqual(action(decode(7)), .goToLine, "Ctrl-G")
        XCTAssertEqual(action(decode(18)), .replace, "Ctrl-R")
        XCTAssertEqual(action(decode(17)), .quit, "Ctrl-Q")
        XCTAssertEqual(action(decode(127)), .deleteBackward)
        XCTAssertEqual(action(decode(8)), .deleteBackward, "Ctrl-H is Backspace on many terminals")
        XCTAssertEqual(action(decode(KEY_F0 + 3, keyCode: true)), .findNext)
        XCTAssertEqual(action(decode(KEY_F0 + 15, keyCode: true)), .findPrevious, "xterm sends Shift-F3 as F15")
        XCTAssertEqual(action(decode(Curses.controlHome, keyCode: true)), .documentStart)
        XCTAssertEqual(action(decode(KEY_SLEFT, keyCode: true)), .selectLeft)
        XCTAssertEqual(decode(0x0645), .character("م"), "a letter is typed")
        XCTAssertNil(decode(0x1C), "Ctrl-\\ means nothing")
    }

    func testABracketedPasteIsOneInput() {
        var decoder = KeyDecoder()
        XCTAssertNil(decoder.decode(UInt32(Curses.pasteStart), isKeyCode: true) { nil })
        for scalar in "a\rب".unicodeScalars {
            XCTAssertNil(decoder.decode(scalar.value, isKeyCode: false) { nil })
        }
        XCTAssertEqual(decoder.decode(UInt32(Curses.pasteEnd), isKeyCode: true) { nil }, .paste("a\nب"))
    }
}
