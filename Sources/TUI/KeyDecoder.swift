import CNcursesw

/// Turns what `get_wch` returns into `EditorKey`s, assembling bracketed pastes.
struct KeyDecoder {
    private var pasteBuffer: String?

    /// One `get_wch` result: `isKeyCode` for `KEY_CODE_YES`. Returns nil while a
    /// paste is being collected or for keys without a meaning.
    mutating func decode(_ value: UInt32, isKeyCode: Bool, mouse: () -> MEVENT?) -> EditorKey? {
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

    static func character(_ scalar: Unicode.Scalar) -> EditorKey? {
        switch scalar.value {
        case 1: return .selectAll  // Ctrl-A
        case 3: return .copy  // Ctrl-C
        case 4: return .flipDirection  // Ctrl-D
        case 6: return .find  // Ctrl-F
        case 8, 127: return .backspace
        case 9: return .tab
        case 10, 13: return .enter
        case 16: return .togglePresence  // Ctrl-P
        case 17: return .quit  // Ctrl-Q
        case 19: return .save  // Ctrl-S
        case 22: return .pasteClipboard  // Ctrl-V
        case 24: return .cut  // Ctrl-X
        case 25: return .redo  // Ctrl-Y
        case 26: return .undo  // Ctrl-Z
        case 27: return .escape
        case 0..<32: return nil
        default: return .character(Character(scalar))
        }
    }

    static func functionKey(_ code: Int32, mouse: () -> MEVENT?) -> EditorKey? {
        switch code {
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_SLEFT: return .selectLeft
        case KEY_SRIGHT: return .selectRight
        case KEY_SR: return .selectUp
        case KEY_SF: return .selectDown
        case KEY_SHOME: return .selectHome
        case KEY_SEND: return .selectEnd
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_ENTER: return .enter
        case Curses.controlLeft: return .wordLeft
        case Curses.controlRight: return .wordRight
        case KEY_F0 + 1: return .help
        case KEY_F0 + 2: return .flipDirection
        case KEY_F0 + 3: return .find
        case KEY_F0 + 4: return .togglePresence
        case KEY_F0 + 5: return .toggleCursorMode
        case KEY_MOUSE:
            guard let event = mouse() else { return nil }
            if event.bstate & (Curses.button1Pressed | Curses.button1Clicked) != 0 {
                return .click(row: Int(event.y), column: Int(event.x))
            }
            if event.bstate & Curses.button4Pressed != 0 { return .scrollUp }
            if event.bstate & Curses.button5Pressed != 0 { return .scrollDown }
            return nil
        default:
            return nil
        }
    }
}
