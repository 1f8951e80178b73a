import EditorCore
import Realtime
import RealtimeProtocol

/// One line of the headless protocol's input: a JSON object with a `cmd` and an
/// optional `id` that the answer repeats.
///
/// ```
/// {"cmd":"insert","index":0,"text":"مرحبا"}     insert at a UTF-16 index
/// {"cmd":"delete","index":0,"length":2}         delete UTF-16 units
/// {"cmd":"cursor","index":3}                    move the caret (shared as a cursor)
/// {"cmd":"select","index":3,"length":2}         select a range
/// {"cmd":"type","text":"…"}                      type at the caret, as keys do
/// {"cmd":"key","key":"Ctrl-F"}                  press a key (names as `qalam keys` lists them)
/// {"cmd":"paste","text":"…"}                     a bracketed paste at the caret
/// {"cmd":"state"}                               → {"event":"state",…} caret, selection, status bar…
/// {"cmd":"get"}                                 → {"event":"text","text":…}
/// {"cmd":"wait_synced","timeout":10}            → {"event":"synced","ok":true|false}
/// {"cmd":"wait_text","text":"…","timeout":10}   → {"event":"text","text":…,"ok":true|false}
/// {"cmd":"save"}                                → {"event":"saved","ok":true} or an error
/// {"cmd":"status"}                              → {"event":"status",…}
/// {"cmd":"stats"}                               → {"event":"stats",…} (broadcast counters)
/// {"cmd":"offline"} / {"cmd":"online"}          drop / restore the connection (edits go on)
/// {"cmd":"quit"}                                → flushes, leaves, exits 0
/// ```
enum HeadlessCommand: Equatable {
    case insert(index: Int, text: String)
    case delete(index: Int, length: Int)
    case cursor(index: Int)
    case select(index: Int, length: Int)
    case type(text: String)
    case key(KeyChord)
    case paste(text: String)
    case state
    case get
    case waitSynced(timeout: Double)
    case waitText(text: String, timeout: Double)
    case save
    case status
    case stats
    case offline
    case online
    case quit

    /// Parses one input line. Throws a message the driver can print as an error event.
    static func parse(_ line: String) throws -> (command: HeadlessCommand, id: JSONValue?) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: line)
        } catch {
            throw HeadlessError.badCommand("not JSON: \(error)")
        }
        guard value.objectValue != nil, let name = value["cmd"]?.stringValue else {
            throw HeadlessError.badCommand("expected an object with a \"cmd\" string")
        }
        let id = value["id"]
        func int(_ key: String) throws -> Int {
            guard let number = value[key]?.intValue else {
                throw HeadlessError.badCommand("\(name) needs an integer \"\(key)\"")
            }
            return number
        }
        func string(_ key: String) throws -> String {
            guard let text = value[key]?.stringValue else {
                throw HeadlessError.badCommand("\(name) needs a string \"\(key)\"")
            }
            return text
        }
        let timeout = value["timeout"]?.doubleValue ?? 10
        switch name {
        case "insert": return (.insert(index: try int("index"), text: try string("text")), id)
        case "delete": return (.delete(index: try int("index"), length: try int("length")), id)
        case "cursor": return (.cursor(index: try int("index")), id)
        case "select": return (.select(index: try int("index"), length: try int("length")), id)
        case "type": return (.type(text: try string("text")), id)
        case "paste": return (.paste(text: try string("text")), id)
        case "key":
            let name = try string("key")
            guard let chord = KeyChord(name: name) else {
                throw HeadlessError.badCommand("unknown key \"\(name)\" (qalam keys lists them)")
            }
            return (.key(chord), id)
        case "state": return (.state, id)
        case "get": return (.get, id)
        case "wait_synced": return (.waitSynced(timeout: timeout), id)
        case "wait_text": return (.waitText(text: try string("text"), timeout: timeout), id)
        case "save": return (.save, id)
        case "status": return (.status, id)
        case "stats": return (.stats, id)
        case "offline": return (.offline, id)
        case "online": return (.online, id)
        case "quit": return (.quit, id)
        default: throw HeadlessError.badCommand("unknown cmd \"\(name)\"")
        }
    }
}

/// Why the headless driver refused a line.
enum HeadlessError: Error, CustomStringConvertible, Equatable {
    case badCommand(String)
    case outOfRange(String)

    var description: String {
        switch self {
        case let .badCommand(reason): return "bad command: \(reason)"
        case let .outOfRange(reason): return "out of range: \(reason)"
        }
    }
}
