import ArgumentParser

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "merge", abstract: "(not built yet)")

    func run() throws {
        throw ValidationError("qalam merge is not available in this build yet")
    }
}
