/// lib0 `writeAny` / `readAny`.
enum AnyCodec {
    static func write(_ value: AnyValue, to e: inout Lib0Encoder) {
        switch value {
        case .undefined: e.writeUInt8(127)
        case .null: e.writeUInt8(126)
        case let .bool(b): e.writeUInt8(b ? 120 : 121)
        case let .int(i): writeNumber(Double(i), exactInt: i, to: &e)
        case let .double(d): writeNumber(d, exactInt: nil, to: &e)
        case let .bigint(b):
            e.writeUInt8(122)
            e.writeBigInt64(b)
        case let .string(s):
            e.writeUInt8(119)
            e.writeVarString(s)
        case let .bytes(b):
            e.writeUInt8(116)
            e.writeVarUInt8Array(b)
        case let .array(a):
            e.writeUInt8(117)
            e.writeVarUInt(a.count)
            for v in a { write(v, to: &e) }
        case let .object(o):
            e.writeUInt8(118)
            e.writeVarUInt(o.count)
            for k in jsKeyOrder(o.keys) {
                e.writeVarString(k)
                write(o[k] ?? .undefined, to: &e)
            }
        }
    }

    /// The lib0 number rule: small integers as varInt, else float32 if exact, else float64.
    private static func writeNumber(_ d: Double, exactInt: Int64?, to e: inout Lib0Encoder) {
        let limit: Int64 = 2_147_483_647
        if let i = exactInt, i >= -limit, i <= limit {
            e.writeUInt8(125)
            e.writeVarInt(i)
            return
        }
        if exactInt == nil, d.isFinite, d.rounded(.towardZero) == d, abs(d) <= Double(limit) {
            e.writeUInt8(125)
            e.writeVarInt(magnitude: UInt64(abs(d)), negative: d.sign == .minus)
            return
        }
        if exactInt != nil || !d.isNaN, Double(Float(d)) == d {
            e.writeUInt8(124)
            e.writeFloat32(Float(d))
        } else {
            e.writeUInt8(123)
            e.writeFloat64(d)
        }
    }

    static func read(_ d: inout Lib0Decoder, depth: Int = 0) throws -> AnyValue {
        guard depth < 256 else { throw YCRDTError.invalidArgument("'any' value nested deeper than 256 levels") }
        let at = d.pos
        let tag = try d.readUInt8("an 'any' tag")
        switch tag {
        case 127: return .undefined
        case 126: return .null
        case 125:
            let (m, neg) = try d.readVarInt()
            if neg && m == 0 { return .double(-0.0) }
            return .int(neg ? -Int64(m) : Int64(m))
        case 124: return .double(Double(try d.readFloat32()))
        case 123: return .double(try d.readFloat64())
        case 122: return .bigint(try d.readBigInt64())
        case 121: return .bool(false)
        case 120: return .bool(true)
        case 119: return .string(try d.readVarString())
        case 118:
            let n = try d.readCount("object size", minBytes: 2)
            var o: [String: AnyValue] = [:]
            for _ in 0..<n {
                let k = try d.readVarString("an object key")
                o[k] = try read(&d, depth: depth + 1)
            }
            return .object(o)
        case 117:
            let n = try d.readCount("array size")
            var a: [AnyValue] = []
            a.reserveCapacity(n)
            for _ in 0..<n { a.append(try read(&d, depth: depth + 1)) }
            return .array(a)
        case 116: return .bytes(try d.readVarUInt8Array())
        default: throw YCRDTError.unknownAnyTag(tag, offset: at)
        }
    }

    /// Reads one `any` value and returns its exact bytes (so re-encoding keeps key order).
    static func readRaw(_ d: inout Lib0Decoder) throws -> [UInt8] {
        let start = d.pos
        _ = try read(&d)
        return Array(d.bytes[start..<d.pos])
    }

    static func decode(_ raw: [UInt8]) -> AnyValue {
        var d = Lib0Decoder(raw)
        return (try? read(&d)) ?? .undefined
    }

    static func encode(_ v: AnyValue) -> [UInt8] {
        var e = Lib0Encoder()
        write(v, to: &e)
        return e.bytes
    }
}
