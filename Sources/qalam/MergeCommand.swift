import ArgumentParser
import Foundation
import YCRDT

/// `qalam merge FILE… > OUT`: writes the Yjs v1 updates in the files merged
/// into one v1 update on stdout (Yjs's `mergeUpdates`; no document is built).
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge Yjs v1 updates into one update, written to stdout.",
        discussion:
            "Every file is checked first; a malformed one stops the merge and nothing is written. `-` reads stdin."
    )

    @Argument(help: "Files holding one Yjs v1 update each; `-` reads stdin.")
    var files: [String]

    func run() throws {
        var updates: [[UInt8]] = []
        for file in files {
            let update = try UpdateInput.read(file, command: "merge")
            do {
                try YUpdate.validate(update)
            } catch {
                throw UpdateInput.fail("merge", file, "not a valid Yjs v1 update: \(error)")
            }
            updates.append(update)
        }
        let merged: [UInt8]
        do {
            merged = try YUpdate.merge(updates)
        } catch {
            throw UpdateInput.fail("merge", files.joined(separator: " "), "the updates cannot be merged: \(error)")
        }
        FileHandle.standardOutput.write(Data(merged))
    }
}
