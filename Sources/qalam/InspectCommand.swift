import ArgumentParser

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "(not built yet)")

    func run() throws {
        throw ValidationError("qalam inspect is not available in this build yet")
    }
}
