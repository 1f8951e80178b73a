import CNcursesw
import EditorCore

/// Turns what `get_wch` returns into `EditorInput`s, assembling bracketed pastes.
/// Keys become chords; what they do is the keymap's business.
struct KeyDecoder {
    private var pasteBuffer: String?

    /// One `get_wch` result: `isKeyCode` for `KEY_CODE_YES`. Returns nil while a
    /// paste is being collected or for keys without a meaning.
    mutating func decode(_ value: UInt32, isKeyCode: Bool, mouse: () -> MEVENT?) -> EditorInput? {
        if isKeyCode {
            let code = Int32(bitPattern: value)
            if code == Curses.pasteStart {
                pasteBuffer = ""
                return nil
            }
            if code == Curses.pasteEnd {
                let text = pasteBuffer ?? ""
                pasteBuffer = nil
                return .paste(text)
            }
            if pasteBuffer != nil {
                // Keys inside a paste are text (Enter arrives as KEY_ENTER on some terminals).
                if code == KEY_ENTER { pasteBuffer?.append("\n") }
                return nil
            }
            return Self.functionKey(code, mouse: mouse)
        }
        guard let scalar = Unicode.Scalar(value) else { return nil }
        if pasteBuffer != nil {
            pasteBuffer?.unicodeScalars.append(scalar == "\r" ? "\n" : scalar)
            return nil
        }
        return Self.character(scalar)
    }

    /// A character `get_wch` returned: a control character as its chord, else
    /// a character to type.
    static func character(_ scalar: Unicode.Scalar) -> EditorInput? {
        switch scalar.value {
        case 8, 127: return .key(KeyChord(.backspace))
        case 9: return .key(KeyChord(.tab))
        case 10, 13: return .key(KeyChord(.enter))
        case 27: return .key(KeyChord(.escape))
        case 1...26:
            // Ctrl-A is 1, Ctrl-Z is 26.
            return .key(.control(Character(Unicode.Scalar(scalar.value + 0x60)!)))
        case 0..<32: return nil
        default: return .character(Character(scalar))
        }
    }

    /// Curses key codes and the chords they are.
    private static let functionKeys: [Int32: KeyChord] = {
        var keys: [Int32: KeyChord] = [
            KEY_LEFT: KeyChord(.left), KEY_RIGHT: KeyChord(.right), KEY_UP: KeyChord(.up),
            KEY_DOWN: KeyChord(.down), KEY_HOME: KeyChord(.home), KEY_END: KeyChord(.end),
            KEY_PPAGE: KeyChord(.pageUp), KEY_NPAGE: KeyChord(.pageDown),
            KEY_SLEFT: KeyChord(.left, .shift), KEY_SRIGHT: KeyChord(.right, .shift),
            KEY_SR: KeyChord(.up, .shift), KEY_SF: KeyChord(.down, .shift),
            KEY_SHOME: KeyChord(.home, .shift), KEY_SEND: KeyChord(.end, .shift),
            KEY_BACKSPACE: KeyChord(.backspace), KEY_DC: KeyChord(.delete), KEY_ENTER: KeyChord(.enter),
            Curses.controlLeft: KeyChord(.left, .control), Curses.controlRight: KeyChord(.right, .control),
            Curses.controlHome: KeyChord(.home, .control), Curses.controlEnd: KeyChord(.end, .control)
        ]
        for n in 1...12 { keys[KEY_F0 + Int32(n)] = KeyChord(.function(n)) }
        // xterm and its kin send Shift-F1…F12 as F13…F24.
        for n in 1...12 { keys[KEY_F0 + Int32(n + 12)] = KeyChord(.function(n), .shift) }
        return keys
    }()

    static func functionKey(_ code: Int32, mouse: () -> MEVENT?) -> EditorInput? {
        if let chord = functionKeys[code] { return .key(chord) }
        guard code == KEY_MOUSE, let event = mouse() else { return nil }
        if event.bstate & (Curses.button1Pressed | Curses.button1Clicked) != 0 {
            return .click(row: Int(event.y), column: Int(event.x))
        }
        if event.bstate & Curses.button4Pressed != 0 { return .scroll(rows: -3) }
        if event.bstate & Curses.button5Pressed != 0 { return .scroll(rows: 3) }
        return nil
    }
}
