import Foundation

/// A server under test, running as a child process of the driver: this same binary
/// re-executed with `--role relay` or `--role bare`, so that its CPU time and memory
/// are its own.
final class ServerProcess {
    let process: Process
    let port: Int
    var pid: Int32 { process.processIdentifier }

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    /// Starts the child and waits (at most 30 s) for the `listening <port>` line it
    /// prints once it accepts connections.
    static func launch(role: BenchmarkOptions.Role) throws -> ServerProcess {
        let executable: String
        do {
            executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        } catch {
            throw BenchmarkError.serverStart("cannot find this executable through /proc/self/exe: \(error)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--role", role.rawValue, "--port", "0", "--exit-with-parent"]
        let output = Pipe()
        // The child exits when this pipe closes, so a driver that dies leaves no server behind.
        let lifeline = Pipe()
        process.standardOutput = output
        process.standardInput = lifeline
        do {
            try process.run()
        } catch {
            throw BenchmarkError.serverStart("\(executable): \(error)")
        }
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 30, execute: watchdog)
        defer { watchdog.cancel() }
        var line = [UInt8]()
        let reader = output.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("listening "), let port = Int(text.dropFirst("listening ".count)) else {
            if process.isRunning { process.terminate() }
            throw BenchmarkError.serverStart("the \(role.rawValue) server said '\(text)' instead of its port")
        }
        let server = ServerProcess(process: process, port: port)
        server.lifeline = lifeline
        return server
    }

    private var lifeline: Pipe?

    /// SIGTERM (the relay drains its sockets on it), then SIGKILL after 10 s.
    func stop() {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
        lifeline = nil
    }
}
