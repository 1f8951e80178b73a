import ArgumentParser
import Foundation
import YCRDT

/// `qalam inspect FILE…`: applies the Yjs v1 updates in the files to a fresh doc
/// and prints `{"pending": BOOL, "stateVector": {"CLIENT": CLOCK, …}, "texts": {ROOT: STRING, …}}`.
///
/// The JSON shape is a contract with outside checks; keep the names.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print the texts, state vector and pending flag of Yjs v1 updates as JSON.",
        discussion: """
            Applies every update, in order, to a fresh document. Prints every root Y.Text's \
            plain text (always including `content`, the editor's text, "" when empty), the \
            state vector, and whether structs or deletes are still pending (waiting for \
            updates that were not given). `-` reads an update from stdin.
            """
    )

    @Argument(help: "Files holding one Yjs v1 update each; `-` reads stdin.")
    var files: [String]

    /// The printed object; property names are the JSON keys.
    struct Report: Encodable {
        var texts: [String: String]
        var stateVector: [String: UInt64]
        var pending: Bool
    }

    func run() throws {
        let doc = Doc()
        for file in files {
            let update = try UpdateInput.read(file, command: "inspect")
            do {
                try doc.applyUpdate(update)
            } catch {
                throw UpdateInput.fail("inspect", file, "not a valid Yjs v1 update: \(error)")
            }
        }
        // `content` is the document contract's root (docs/ARCHITECTURE.md), so it is always
        // reported: a root whose text was all deleted and garbage-collected keeps
        // no string content to be recognised as text by, yet reads as "".
        var texts: [String: String] = [:]
        for name in Set(doc.rootTextNames).union(["content"]) {
            texts[name] = doc.getText(name).toString()
        }
        let stateVector: [String: UInt64]
        do {
            stateVector = try StateVectorJSON.clocks(of: doc.encodeStateVector())
        } catch {
            throw UpdateInput.fail(
                "inspect", files.joined(separator: " "), "cannot read back the state vector: \(error)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var output = try encoder.encode(Report(texts: texts, stateVector: stateVector, pending: doc.hasPending))
        output.append(0x0a)
        FileHandle.standardOutput.write(output)
    }
}

/// Reading update files for `inspect` and `merge`, and the errors that name them.
enum UpdateInput {
    /// The bytes of `path`, or of stdin for `-`.
    static func read(_ path: String, command: String) throws -> [UInt8] {
        if path == "-" {
            return [UInt8](FileHandle.standardInput.readDataToEndOfFile())
        }
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw fail(command, path, "cannot read the file (\(error.localizedDescription))")
        }
    }

    /// Prints `qalam COMMAND: FILE: WHY` on stderr and returns the exit code 1 to throw.
    static func fail(_ command: String, _ path: String, _ why: String) -> ExitCode {
        let name = path == "-" ? "<stdin>" : path
        FileHandle.standardError.write(Data("qalam \(command): \(name): \(why)\n".utf8))
        return ExitCode.failure
    }
}

/// Decodes an encoded state vector (`varUint n`, then n × `varUint client, varUint clock`)
/// into the JSON object `inspect` prints.
enum StateVectorJSON {
    struct Malformed: Error, CustomStringConvertible {
        var description: String { "state vector bytes are truncated" }
    }

    static func clocks(of bytes: [UInt8]) throws -> [String: UInt64] {
        var position = 0
        func varUint() throws -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard position < bytes.count, shift < 64 else { throw Malformed() }
                let byte = bytes[position]
                position += 1
                value |= UInt64(byte & 0x7f) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }
        var clocks: [String: UInt64] = [:]
        let count = try varUint()
        for _ in 0..<count {
            let client = try varUint()
            clocks[String(client)] = try varUint()
        }
        return clocks
    }
}
