/// `JSON.stringify` / `JSON.parse` as JavaScript does them, for format values, embeds,
/// awareness states and legacy JSON content.
public enum JSONText {
    /// JavaScript's `JSON.stringify`; nil where JavaScript returns `undefined`.
    public static func stringify(_ v: AnyValue) -> String? {
        var out = ""
        guard write(v, &out) else { return nil }
        return out
    }

    private static func write(_ v: AnyValue, _ out: inout String) -> Bool {
        switch v {
        case .undefined: return false
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d): out += jsNumber(d)
        case let .bigint(b): out += String(b)  // JavaScript throws here; a number is the useful answer
        case let .string(s): quote(s, &out)
        case let .bytes(b):
            out += "{"
            for (i, x) in b.enumerated() {
                if i > 0 { out += "," }
                out += "\"\(i)\":\(x)"
            }
            out += "}"
        case let .array(a):
            out += "["
            for (i, x) in a.enumerated() {
                if i > 0 { out += "," }
                if !write(x, &out) { out += "null" }
            }
            out += "]"
        case let .object(o):
            out += "{"
            var first = true
            for k in jsKeyOrder(o.keys) {
                guard let x = o[k] else { continue }
                if case .undefined = x { continue }
                if !first { out += "," }
                first = false
                quote(k, &out)
                out += ":"
                _ = write(x, &out)
            }
            out += "}"
        }
        return true
    }

    private static func quote(_ s: String, _ out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    /// JavaScript's Number.prototype.toString for finite doubles.
    static func jsNumber(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == 0 { return "0" }
        if d.rounded(.towardZero) == d, abs(d) < 1e21 {
            if abs(d) < 9.0e18 { return String(Int64(d)) }
        }
        // Shortest round-trip digits from Swift, re-laid out with JavaScript's rules.
        let desc = "\(abs(d))"
        var mantissa = desc
        var exp = 0
        if let e = desc.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = String(desc[..<e])
            exp = Int(desc[desc.index(after: e)...]) ?? 0
        }
        var digits = ""
        var pointPos = mantissa.count
        if let dot = mantissa.firstIndex(of: ".") {
            pointPos = mantissa.distance(from: mantissa.startIndex, to: dot)
            digits = mantissa.filter { $0 != "." }
        } else {
            digits = mantissa
        }
        // Normalise: strip leading zeros (adjusting the point) and trailing zeros.
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            pointPos -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        let n = pointPos + exp  // decimal point position relative to digits start
        let k = digits.count
        var s: String
        if k <= n && n <= 21 {
            s = digits + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            let i = digits.index(digits.startIndex, offsetBy: n)
            s = digits[..<i] + "." + digits[i...]
        } else if -6 < n && n <= 0 {
            s = "0." + String(repeating: "0", count: -n) + digits
        } else {
            let e = n - 1
            let sign = e < 0 ? "-" : "+"
            if k == 1 {
                s = digits + "e" + sign + String(abs(e))
            } else {
                s = String(digits.first!) + "." + digits.dropFirst() + "e" + sign + String(abs(e))
            }
        }
        return (d < 0 ? "-" : "") + s
    }

    /// Parses JSON text; integers become `.int`, other numbers `.double`.
    /// The bare word `undefined` (used by legacy ContentJSON) parses to `.undefined`.
    public static func parse(_ text: String) throws -> AnyValue {
        try parse(text, orderKey: nil)
    }

    /// Parses and, when `orderKey` is given, stores every object's key order under that key
    /// (an array of strings), for callers that need JavaScript's insertion order.
    static func parse(_ text: String, orderKey: String?) throws -> AnyValue {
        var p = Parser(Array(text.utf8))
        p.orderKey = orderKey
        p.skipWS()
        if Array(p.rest) == Array("undefined".utf8) { return .undefined }
        let v = try p.value(depth: 0)
        p.skipWS()
        guard p.i == p.s.count else { throw YCRDTError.invalidJSON("unexpected text after the value") }
        return v
    }

    private struct Parser {
        let s: [UInt8]
        var i = 0
        var orderKey: String?
        init(_ s: [UInt8]) { self.s = s }
        var rest: ArraySlice<UInt8> { s[i...] }

        mutating func skipWS() { while i < s.count, [0x20, 0x09, 0x0A, 0x0D].contains(s[i]) { i += 1 } }

        mutating func lit(_ w: String) -> Bool {
            let u = Array(w.utf8)
            guard s.count - i >= u.count, Array(s[i..<i + u.count]) == u else { return false }
            i += u.count
            return true
        }

        mutating func value(depth: Int) throws -> AnyValue {
            guard depth < 256 else { throw YCRDTError.invalidJSON("nested too deeply") }
            skipWS()
            guard i < s.count else { throw YCRDTError.invalidJSON("unexpected end") }
            switch s[i] {
            case UInt8(ascii: "{"):
                i += 1
                var o: [String: AnyValue] = [:]
                var order: [AnyValue] = []
                skipWS()
                if i < s.count, s[i] == UInt8(ascii: "}") {
                    i += 1
                    if let ok = orderKey { o[ok] = .array([]) }
                    return .object(o)
                }
                while true {
                    skipWS()
                    guard i < s.count, s[i] == UInt8(ascii: "\"") else {
                        throw YCRDTError.invalidJSON("expected a key")
                    }
                    let k = try string()
                    skipWS()
                    guard i < s.count, s[i] == UInt8(ascii: ":") else { throw YCRDTError.invalidJSON("expected ':'") }
                    i += 1
                    o[k] = try value(depth: depth + 1)
                    if orderKey != nil { order.append(.string(k)) }
                    skipWS()
                    guard i < s.count else { throw YCRDTError.invalidJSON("unexpected end") }
                    if s[i] == UInt8(ascii: ",") {
                        i += 1
                        continue
                    }
                    if s[i] == UInt8(ascii: "}") {
                        i += 1
                        if let ok = orderKey { o[ok] = .array(order) }
                        return .object(o)
                    }
                    throw YCRDTError.invalidJSON("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                i += 1
                var a: [AnyValue] = []
                skipWS()
                if i < s.count, s[i] == UInt8(ascii: "]") {
                    i += 1
                    return .array(a)
                }
                while true {
                    a.append(try value(depth: depth + 1))
                    skipWS()
                    guard i < s.count else { throw YCRDTError.invalidJSON("unexpected end") }
                    if s[i] == UInt8(ascii: ",") {
                        i += 1
                        continue
                    }
                    if s[i] == UInt8(ascii: "]") {
                        i += 1
                        return .array(a)
                    }
                    throw YCRDTError.invalidJSON("expected ',' or ']'")
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): if lit("true") { return .bool(true) }
            case UInt8(ascii: "f"): if lit("false") { return .bool(false) }
            case UInt8(ascii: "n"): if lit("null") { return .null }
            default: return try number()
            }
            throw YCRDTError.invalidJSON("unexpected character")
        }

        mutating func number() throws -> AnyValue {
            let start = i
            var isInt = true
            while i < s.count {
                let c = s[i]
                if (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "-") {
                    i += 1
                } else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                    || c == UInt8(ascii: "+")
                {
                    isInt = false
                    i += 1
                } else {
                    break
                }
            }
            let t = String(decoding: s[start..<i], as: UTF8.self)
            if isInt, let v = Int64(t), abs(v) <= (1 << 53) {
                if v == 0 && t.hasPrefix("-") { return .double(-0.0) }
                return .int(v)
            }
            guard !t.isEmpty, let d = Double(t) else { throw YCRDTError.invalidJSON("bad number '\(t)'") }
            return .double(d)
        }

        mutating func string() throws -> String {
            i += 1
            var units: [UInt16] = []
            var buf: [UInt8] = []
            func flush() {
                if !buf.isEmpty {
                    units.append(contentsOf: String(decoding: buf, as: UTF8.self).utf16)
                    buf.removeAll()
                }
            }
            while i < s.count {
                let c = s[i]
                if c == UInt8(ascii: "\"") {
                    i += 1
                    flush()
                    return String(decoding: units, as: UTF16.self)
                }
                if c == UInt8(ascii: "\\") {
                    flush()
                    i += 1
                    guard i < s.count else { break }
                    let e = s[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "n"): units.append(10)
                    case UInt8(ascii: "t"): units.append(9)
                    case UInt8(ascii: "r"): units.append(13)
                    case UInt8(ascii: "b"): units.append(8)
                    case UInt8(ascii: "f"): units.append(12)
                    case UInt8(ascii: "u"):
                        guard s.count - i >= 4, let v = UInt16(String(decoding: s[i..<i + 4], as: UTF8.self), radix: 16)
                        else {
                            throw YCRDTError.invalidJSON("bad \\u escape")
                        }
                        i += 4
                        units.append(v)
                    default: units.append(UInt16(e))
                    }
                } else {
                    buf.append(c)
                    i += 1
                }
            }
            throw YCRDTError.invalidJSON("unterminated string")
        }
    }
}
