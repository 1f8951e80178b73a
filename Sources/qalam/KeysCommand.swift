import ArgumentParser
import EditorCore

/// `qalam keys`: the editor's keys, from the same table the editor and its F1 help use.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "List the editor's keys (the F1 help).",
        discussion: "--markdown prints the table the README shows between its keys markers.")

    @Flag(help: "Print a Markdown table (as in README.md).")
    var markdown = false

    func run() {
        print(markdown ? Keymap.standard.markdown : Keymap.standard.helpLines.joined(separator: "\n"))
    }
}
