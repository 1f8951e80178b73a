import Foundation
import TestSupport
import XCTest

@testable import YCRDT

/// Loads the Yjs reference vectors (`Fixtures/yjs-vectors/`, see `Fixtures/README.md`).
enum Vectors {

    static let orderKey = "\u{0}order"

    static func load(_ name: String) throws -> AnyValue {
        let data = try Fixtures.yjsVector(name)
        return try JSONText.parse(String(decoding: data, as: UTF8.self))
    }

    /// Like `load`, but every object also records its key order under `orderKey`
    /// (Yjs inserts format items in the attribute object's key order).
    static func loadOrdered(_ name: String) throws -> AnyValue {
        let data = try Fixtures.yjsVector(name)
        return try JSONText.parse(String(decoding: data, as: UTF8.self), orderKey: orderKey)
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

    var arrayValue: [AnyValue] {
        if case let .array(a) = self { return a }
        return []
    }
    var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }
    var intValue: Int? {
        switch self {
        case let .int(i): return Int(i)
        case let .double(d) where d.rounded() == d: return Int(d)
        default: return nil
        }
    }
    var boolValue: Bool {
        if case let .bool(b) = self { return b }
        return false
    }
    var objectValue: [String: AnyValue] {
        if case let .object(o) = self { return o }
        return [:]
    }
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
func assertDeltaEqual(
    _ a: [TextDelta], _ b: [TextDelta], _ message: String, file: StaticString = #filePath, line: UInt = #line
) {
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
    guard let v = v, case var .object(o) = v else { return nil }
    guard let order = o.removeValue(forKey: Vectors.orderKey) else {
        return OrderedAttributes(jsKeyOrder(o.keys).map { ($0, o[$0]!) })
    }
    // JavaScript objects list integer-like keys first, then insertion order.
    let keys = order.arrayValue.compactMap(\.stringValue)
    let ints = keys.filter { k in UInt32(k).map { String($0) == k } ?? false }.sorted { UInt32($0)! < UInt32($1)! }
    return OrderedAttributes((ints + keys.filter { !ints.contains($0) }).map { ($0, stripOrder(o[$0]!)) })
}

/// Removes recorded key orders.
func stripOrder(_ v: AnyValue) -> AnyValue {
    switch v {
    case var .object(o):
        o[Vectors.orderKey] = nil
        return .object(o.mapValues(stripOrder))
    case let .array(a): return .array(a.map(stripOrder))
    default: return v
    }
}

extension AnyValue {
    /// Keeps recorded key orders only inside `attrs` objects (where Yjs's order matters).
    func strippingOrderOutsideAttrs() -> AnyValue {
        switch self {
        case var .object(o):
            o[Vectors.orderKey] = nil
            var out: [String: AnyValue] = [:]
            for (k, v) in o { out[k] = k == "attrs" ? v : v.strippingOrderOutsideAttrs() }
            return .object(out)
        case let .array(a): return .array(a.map { $0.strippingOrderOutsideAttrs() })
        default: return self
        }
    }
}
