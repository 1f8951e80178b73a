import Dispatch
import Foundation

/// Runs a handler when the process is asked to stop (SIGTERM, SIGHUP), so
/// the editor can flush its autosaver instead of dying with edits unsaved —
/// a closed terminal sends SIGHUP, `kill` and service managers send SIGTERM.
///
/// Keep the returned value alive for as long as the handler should run. The
/// handler runs once, for the first signal; it decides whether to exit.
public final class TerminationSignals: @unchecked Sendable {
    // Safety of @unchecked Sendable: `sources` is written only in `init`;
    // `fired` only on `queue`.
    private let queue = DispatchQueue(label: "qalam.termination-signals")
    private var sources: [DispatchSourceSignal] = []
    private var fired = false

    /// Installs the handler.
    ///
    /// - Parameters:
    ///   - signals: the signals to catch; their default action (terminating
    ///     at once) is turned off while this object lives.
    ///   - handler: called with the signal number, e.g.
    ///     `{ _ in try? await persistence.flush(); exit(0) }`.
    public init(signals: [Int32] = [SIGTERM, SIGHUP], handler: @escaping @Sendable (Int32) async -> Void) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in
                guard let self, !self.fired else { return }
                self.fired = true
                Task { await handler(number) }
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources {
            source.cancel()
            signal(Int32(source.handle), SIG_DFL)
        }
    }
}
