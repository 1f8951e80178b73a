import Foundation
import Realtime

/// A simulated user as the editor is one: a `RealtimeClient` with one channel,
/// broadcasting binary payloads and reading the channel's event stream.
struct RealtimeLoadClient: LoadClient {
    func run(_ plan: ClientPlan, tally: ClientTally) async {
        let client: RealtimeClient
        do {
            guard let url = URL(string: "http://127.0.0.1:\(plan.port)") else { return }
            client = try RealtimeClient(
                url: url, apiKey: "relay-benchmark", options: RealtimeOptions(pushBufferLimit: 10_000))
        } catch {
            tally.fail("\(error)")
            return
        }
        let channel = await client.channel(plan.channelName)
        let events = await channel.events()
        let receiver = Task {
            for await event in events {
                switch event {
                case let .broadcast(_, .binary(bytes)):
                    tally.receive(bytes)
                case .broadcast:
                    tally.foreignFrame()
                case .status(.errored):
                    tally.markRejoin()
                default:
                    break
                }
            }
        }
        do {
            try await channel.subscribe(timeout: .seconds(30))
            tally.markReady()
            await plan.sendAll(tally: tally) { bytes in
                try await channel.broadcast(event: "load", payload: .binary(bytes))
            }
        } catch {
            tally.fail("\(error)")
            tally.markSendingDone()
        }
        _ = await plan.stop.wait()
        await client.disconnect()
        receiver.cancel()
        _ = await receiver.value
    }
}
