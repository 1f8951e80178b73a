import Foundation

/// One editing trace from `Fixtures/traces/` (format: that directory's README):
/// sequential (`txns` in order) or concurrent (`txns` with `parents` and `agent`).
struct Trace: Decodable {
    var kind: String?
    var endContent: String
    var numAgents: Int?
    var txns: [Txn]

    var isConcurrent: Bool { kind == "concurrent" }

    struct Txn: Decodable {
        var parents: [Int]?
        var agent: Int?
        var patches: [Patch]
    }

    /// `[pos, delCount, insStr]`, positions and counts in Unicode code points.
    struct Patch: Decodable {
        var position: Int
        var deleted: Int
        var inserted: String

        init(from decoder: Decoder) throws {
            var fields = try decoder.unkeyedContainer()
            position = try fields.decode(Int.self)
            deleted = try fields.decode(Int.self)
            inserted = try fields.decode(String.self)
        }
    }

    /// Decompresses with `gzip -dc` (Foundation on Linux has no gzip) and decodes; a path
    /// not ending in `.gz` is read as plain JSON (for profilers that cannot spawn processes).
    static func load(_ url: URL) throws -> Trace {
        if url.pathExtension != "gz" {
            do {
                return try JSONDecoder().decode(Trace.self, from: Data(contentsOf: url))
            } catch {
                throw BenchmarkError.unreadableTrace(url.path, String(describing: error))
            }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchmarkError.unreadableTrace(url.path, "gzip -dc exited with \(process.terminationStatus)")
        }
        do {
            return try JSONDecoder().decode(Trace.self, from: data)
        } catch {
            throw BenchmarkError.unreadableTrace(url.path, String(describing: error))
        }
    }
}

/// A patch with its position and deletion count in UTF-16 code units (what
/// YText and the plain-buffer floor take), and the insertion pre-split for the floor.
struct Edit {
    var position: Int
    var deleted: Int
    var inserted: String
    var insertedUnits: [UInt16]
}

/// Converts the code-point positions of a sequential trace to UTF-16 positions
/// by tracking where characters above U+FFFF (two UTF-16 units) sit in the
/// document as it is replayed; traces hold few or none, so this stays cheap.
struct UTF16Positions {
    /// Code-point positions of astral characters in the current document, sorted.
    private var astral: [Int] = []

    private func countBefore(_ position: Int) -> Int {
        var low = 0
        var high = astral.count
        while low < high {
            let mid = (low + high) / 2
            if astral[mid] < position { low = mid + 1 } else { high = mid }
        }
        return low
    }

    mutating func convert(_ patch: Trace.Patch) -> Edit {
        let before = countBefore(patch.position)
        let through = countBefore(patch.position + patch.deleted)
        let edit = Edit(
            position: patch.position + before,
            deleted: patch.deleted + (through - before),
            inserted: patch.inserted,
            insertedUnits: Array(patch.inserted.utf16))
        let inserted = patch.inserted.unicodeScalars
        let shift = inserted.count - patch.deleted
        var added: [Int] = []
        for (offset, scalar) in inserted.enumerated() where scalar.value > 0xFFFF {
            added.append(patch.position + offset)
        }
        if !astral.isEmpty || !added.isEmpty {
            astral = Array(astral[..<before]) + added + astral[through...].map { $0 + shift }
        }
        return edit
    }

    static func edits(of trace: Trace) -> [[Edit]] {
        var positions = UTF16Positions()
        return trace.txns.map { txn in txn.patches.map { positions.convert($0) } }
    }
}
