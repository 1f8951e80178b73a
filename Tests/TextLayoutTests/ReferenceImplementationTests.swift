import Foundation
import TestSupport
import XCTest

@testable import TextLayout

/// Checks the visual order and shaping against two independent implementations of
/// the bidi algorithm: GNU FriBidi's command-line tool (a separate program from the
/// library calls the layout makes; it also shapes) and python-bidi (a Rust
/// implementation of UAX #9, no FriBidi at all).
final class ReferenceImplementationTests: XCTestCase {
    /// Lines where drawn text can be compared as is: no tabs (we draw spaces), and
    /// every cluster a base plus nonspacing marks. (The references reverse an emoji
    /// and its skin-tone modifier scalar by scalar; we keep the cluster whole.)
    private var comparable: [String] {
        Corpus.lines.filter { line in
            !line.contains("\t")
                && line.allSatisfy { character in
                    character.unicodeScalars.dropFirst().allSatisfy { $0.properties.generalCategory == .nonspacingMark }
                }
        }
    }

    func testVisualOrderMatchesTheFribidiCommandLineTool() throws {
        let lines = Corpus.lines + ["a\u{200F}b مرحبا\u{200E} c", "x (ي) [ز] {و}"]
        let vtol = try run(
            "fribidi", ["--nopad", "--nobreak", "--reordernsm", "--vtol", "--novisual"],
            input: lines.joined(separator: "\n") + "\n"
        )
        .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (n, text) in lines.enumerated() {
            let scalarIndexOfCluster = clusterFirstScalars(text)
            let isClusterStart = Set(scalarIndexOfCluster.values)
            let reference = vtol[n].split(separator: " ").compactMap { Int($0) }.filter { isClusterStart.contains($0) }
            let layout = ParagraphLayout(paragraph: text, options: LayoutOptions(width: 200))
            let ours = layout.lines[0].cells.compactMap { scalarIndexOfCluster[$0.source.lowerBound] }
            XCTAssertEqual(ours, reference, "line \(n): \(text)")
        }
    }

    func testShapedTextMatchesTheFribidiCommandLineTool() throws {
        // The tool always forms lam-alef ligatures (with a U+FEFF filler), so compare
        // with the ligature setting, dropping the filler and our blank cell.
        let visual = try run(
            "fribidi", ["--nopad", "--nobreak", "--reordernsm"],
            input: comparable.joined(separator: "\n") + "\n"
        )
        .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (n, text) in comparable.enumerated() {
            let options = LayoutOptions(width: 200, lamAlef: .ligature)
            let layout = ParagraphLayout(paragraph: text, options: options)
            let characters = Array(text.utf16)
            let ours = layout.lines[0].cells.filter { cell in
                // the blank cell of a ligature: a drawn space whose source is not a space
                !(cell.text == " " && characters[cell.source.lowerBound] != 0x20)
            }.map(\.text).joined()
            let reference = visual[n].replacingOccurrences(of: "\u{FEFF}", with: "")
            XCTAssertEqual(ours, reference, "line \(n): \(text)")
        }
    }

    func testVisualOrderMatchesPythonBidi() throws {
        // python-bidi neither shapes, mirrors, nor keeps marks after their base:
        // compare the logical base characters of our cells, in our visual order.
        let script = """
            import sys, json, unicodedata
            from bidi import get_display
            for line in json.load(sys.stdin):
                shown = get_display(line)
                print(json.dumps("".join(c for c in shown if unicodedata.category(c) != "Mn")))
            """
        let input = String(decoding: try JSONEncoder().encode(comparable), as: UTF8.self)
        let output = try run("python3", ["-c", script], input: input)
            .split(separator: "\n").map { try JSONDecoder().decode(String.self, from: Data($0.utf8)) }
        XCTAssertEqual(output.count, comparable.count)
        for (n, text) in comparable.enumerated() where n < output.count {
            let layout = ParagraphLayout(paragraph: text, options: LayoutOptions(width: 200, bidiMode: .app))
            let utf16 = Array(text.utf16)
            let ours = layout.lines[0].cells.map { cell in
                String(decoding: utf16[cell.source], as: UTF16.self).unicodeScalars.first.map(String.init) ?? ""
            }.joined()
            XCTAssertEqual(ours, output[n], "line \(n): \(text)")
        }
    }

    // MARK: - Helpers

    /// Maps each cluster's first UTF-16 offset to its first scalar's index.
    private func clusterFirstScalars(_ text: String) -> [Int: Int] {
        var map: [Int: Int] = [:]
        var utf16 = 0
        var scalars = 0
        for character in text {
            map[utf16] = scalars
            utf16 += character.utf16.count
            scalars += character.unicodeScalars.count
        }
        return map
    }

    /// Runs a program found on PATH with `input` on stdin and returns its stdout.
    private func run(_ program: String, _ arguments: [String], input: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C.UTF-8"
        process.environment = environment
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Prerequisite.missing(
                "`\(program)` exited with \(process.terminationStatus); install it (scripts/install-deps.sh --test)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
