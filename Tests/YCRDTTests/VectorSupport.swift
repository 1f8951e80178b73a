import Foundation
import XCTest
@testable import YCRDT

/// Loads the shared Yjs vectors in place (`<package root>/../shared/vectors/yjs`).
enum Vectors {
    static let directory: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.deletingLastPathComponent().appendingPathComponent("shared/vectors/yjs")
    }()

    static func load(_ name: String) throws -> AnyValue {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return try JSONText.parse(String(decoding: data, as: UTF8.self))
    }
}

func hex(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(s.count / 2)
    var it = s.utf8.makeIterator()
    func nib(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : (c | 0x20) - 87 }
    while let a = it.next(), let b = it.next() { out.append(nib(a) << 4 | nib(b)) }
    return out
}

func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

extension AnyValue {
    subscript(_ key: String) -> AnyValue? {
        if case let .object(o) = self { return o[key] }
        return nil
    }

    var arrayValue: [AnyValue] { if case let .array(a) = self { return a }; return [] }
    var stringValue: String? { if case let .string(s) = self { return s }; return nil }
    var intValue: Int? {
        switch self {
        case let .int(i): return Int(i)
        case let .double(d) where d.rounded() == d: return Int(d)
        default: return nil
        }
    }
    var boolValue: Bool { if case let .bool(b) = self { return b }; return false }
    var objectValue: [String: AnyValue] { if case let .object(o) = self { return o }; return [:] }
}

/// A Yjs delta (from a vector) in this module's form.
func delta(fromJSON v: AnyValue) -> [TextDelta] {
    v.arrayValue.map { op in
        let attrs = op["attributes"]?.objectValue ?? [:]
        if let ins = op["insert"] {
            if let s = ins.stringValue { return .insert(s, attributes: attrs) }
            return .embed(ins, attributes: attrs)
        }
        if let r = op["retain"]?.intValue { return .retain(r, attributes: attrs) }
        return .delete(op["delete"]?.intValue ?? 0)
    }
}

/// Compares deltas with numbers compared by value.
func assertDeltaEqual(_ a: [TextDelta], _ b: [TextDelta], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
    func norm(_ d: [TextDelta]) -> String {
        d.map { op in
            switch op {
            case let .insert(s, a): return "ins(\(s.debugDescription),\(AnyValue.object(a)))"
            case let .embed(e, a): return "emb(\(e),\(AnyValue.object(a)))"
            case let .retain(n, a): return "ret(\(n),\(AnyValue.object(a)))"
            case let .delete(n): return "del(\(n))"
            }
        }.joined(separator: " ")
    }
    XCTAssertEqual(norm(a), norm(b), message, file: file, line: line)
}

func fnv1a(_ bytes: [UInt8]) -> String {
    var h: UInt32 = 0x811C9DC5
    for b in bytes {
        h ^= UInt32(b)
        h = h &* 0x01000193
    }
    return String(format: "%08x", h)
}

/// Attributes of a vector op in the module's ordered form.
func orderedAttrs(_ v: AnyValue?) -> OrderedAttributes? {
    guard let v = v, case let .object(o) = v else { return nil }
    return OrderedAttributes(jsKeyOrder(o.keys).map { ($0, o[$0]!) })
}
