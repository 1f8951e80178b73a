import XCTest

@testable import YCRDT

final class PrimitivesVectorTests: XCTestCase {
    func testEveryPrimitiveEncodesAndDecodes() throws {
        let root = try Vectors.load("primitives.json")
        let cases = root["cases"]!.arrayValue
        XCTAssertGreaterThan(cases.count, 100)
        var checked = 0
        for c in cases {
            let kind = c["kind"]!.stringValue!
            let bytes = hex(c["hex"]!.stringValue!)
            let value = c["value"]!
            var e = Lib0Encoder()
            var d = Lib0Decoder(bytes)
            switch kind {
            case "varUint":
                let v = UInt64(value.intValue!)
                e.writeVarUInt(v)
                XCTAssertEqual(try d.readVarUInt(), v)
            case "varInt":
                let (mag, neg): (UInt64, Bool)
                if value == .string("-0") {
                    (mag, neg) = (0, true)
                } else {
                    let i = Int64(value.intValue!)
                    (mag, neg) = (i.magnitude, i < 0)
                }
                e.writeVarInt(magnitude: mag, negative: neg)
                let r = try d.readVarInt()
                XCTAssertEqual(r.magnitude, mag)
                XCTAssertEqual(r.negative, neg)
            case "varString":
                if let decodesTo = c["decodes_to"]?.stringValue {
                    // Lone surrogates cannot be a Swift String; check the decode side.
                    XCTAssertEqual(try d.readVarString(), decodesTo)
                    checked += 1
                    continue
                }
                let s = value.stringValue!
                e.writeVarString(utf16: Array(s.utf16)[...])
                XCTAssertEqual(try d.readVarString(), s)
            case "varUint8Array":
                let b = hex(value.stringValue ?? "")
                e.writeVarUInt8Array(b)
                XCTAssertEqual(try d.readVarUInt8Array(), b)
            case "float32", "float64":
                let v = number(value)
                if kind == "float32" { e.writeFloat32(Float(v)) } else { e.writeFloat64(v) }
                let r = kind == "float32" ? Double(try d.readFloat32()) : try d.readFloat64()
                XCTAssertTrue(
                    kind == "float32"
                        ? (Float(r) == Float(v) || (r.isNaN && v.isNaN)) : (r == v || (r.isNaN && v.isNaN)),
                    "\(kind) \(v)")
            case "bigInt64":
                let v = Int64(value.stringValue ?? "") ?? 0
                e.writeBigInt64(v)
                XCTAssertEqual(try d.readBigInt64(), v)
            case "any":
                let v = anyValue(value)
                AnyCodec.write(v, to: &e)
                let r = try AnyCodec.read(&d)
                XCTAssertTrue(same(r, v), "any \(c) decoded to \(r)")
                if hasMultiKeyObject(v) {
                    // Swift dictionaries have no insertion order: keys are written in
                    // JavaScript order for integer keys, then sorted. Check the round trip.
                    var d2 = Lib0Decoder(e.bytes)
                    XCTAssertTrue(same(try AnyCodec.read(&d2), v))
                    XCTAssertEqual(e.bytes.count, bytes.count)
                    checked += 1
                    continue
                }
            default:
                XCTFail("unknown kind \(kind)")
            }
            XCTAssertEqual(hex(e.bytes), hex(bytes), "encoding \(kind) \(value)")
            XCTAssertFalse(d.hasContent)
            checked += 1
        }
        XCTAssertEqual(checked, cases.count)
    }

    private func hasMultiKeyObject(_ v: AnyValue) -> Bool {
        switch v {
        case let .object(o): return o.count > 1 || o.values.contains(where: hasMultiKeyObject)
        case let .array(a): return a.contains(where: hasMultiKeyObject)
        default: return false
        }
    }

    private func number(_ v: AnyValue) -> Double {
        switch v {
        case let .int(i): return Double(i)
        case let .double(d): return d
        case let .object(o):
            switch o["$float"]?.stringValue {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            case "-0": return -0.0
            default: return 0
            }
        default: return 0
        }
    }

    /// Vector JSON (with `$undefined`, `$bigint`, `$bytes`, `$float` tags) to AnyValue.
    private func anyValue(_ v: AnyValue) -> AnyValue {
        switch v {
        case let .object(o):
            if o["$undefined"] != nil { return .undefined }
            if let b = o["$bigint"]?.stringValue { return .bigint(Int64(b)!) }
            if let b = o["$bytes"]?.stringValue { return .bytes(hex(b)) }
            if o["$float"] != nil { return .double(number(v)) }
            return .object(o.mapValues(anyValue))
        case let .array(a): return .array(a.map(anyValue))
        default: return v
        }
    }

    private func same(_ a: AnyValue, _ b: AnyValue) -> Bool {
        switch (a, b) {
        case let (.double(x), .double(y)) where x.isNaN && y.isNaN: return true
        case let (.double(x), .double(y)): return x == y && x.sign == y.sign
        case let (.array(x), .array(y)): return x.count == y.count && zip(x, y).allSatisfy(same)
        case let (.object(x), .object(y)):
            return x.count == y.count && x.allSatisfy { k, v in y[k].map { same(v, $0) } ?? false }
        default: return a.jsEquals(b)
        }
    }

    func testJSONNumbersLikeJavaScript() {
        XCTAssertEqual(JSONText.jsNumber(0.1), "0.1")
        XCTAssertEqual(JSONText.jsNumber(1e21), "1e+21")
        XCTAssertEqual(JSONText.jsNumber(1.5e-7), "1.5e-7")
        XCTAssertEqual(JSONText.jsNumber(123456.789), "123456.789")
        XCTAssertEqual(JSONText.jsNumber(-2.5), "-2.5")
        XCTAssertEqual(JSONText.jsNumber(0.000001), "0.000001")
        XCTAssertEqual(
            JSONText.stringify(.object(["b": .int(1), "a": .string("x\n\"")])), "{\"a\":\"x\\n\\\"\",\"b\":1}")
    }
}
