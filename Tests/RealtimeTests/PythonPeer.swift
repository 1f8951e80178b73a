import Foundation
import XCTest

/// A Python program run beside a test: its stdout lines are recorded, its stdin is
/// held open so that it exits when the test closes it (or dies).
final class PythonPeer: @unchecked Sendable {
    // @unchecked: the Process is only touched by the test that owns the peer.
    let process = Process()
    let lines: Recorder<String>
    private let stdin = Pipe()

    /// Starts `python3 -c script args…`.
    init(script: String, arguments: [String]) throws {
        let stdout = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", "-c", script] + arguments
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.standardError
        let (chunks, continuation) = AsyncStream<Data>.makeStream()
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                continuation.finish()
            } else {
                continuation.yield(data)
            }
        }
        let (lineStream, lineContinuation) = AsyncStream<String>.makeStream()
        Task {
            var buffer = Data()
            for await chunk in chunks {
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    lineContinuation.yield(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                    buffer.removeSubrange(buffer.startIndex...newline)
                }
            }
            lineContinuation.finish()
        }
        lines = Recorder(lineStream)
        try process.run()
    }

    /// Waits for a stdout line parsed as JSON that satisfies `predicate`.
    func waitForJSON(
        _ what: String, timeout: Duration = .seconds(20), file: StaticString = #filePath, line: UInt = #line,
        _ predicate: @escaping @Sendable ([String: Any]) -> Bool
    ) async throws -> [String: Any] {
        let hit = try await lines.waitFor(what, timeout: timeout, file: file, line: line) { text in
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                return false
            }
            return predicate(object)
        }
        return (try JSONSerialization.jsonObject(with: Data(hit.utf8)) as? [String: Any]) ?? [:]
    }

    /// Closes stdin (the peer exits on EOF) and terminates it if it lingers.
    func stop() {
        try? stdin.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// Whether `import module` works in this Python (the peers need `websockets` and `realtime`).
    static func hasModule(_ module: String) -> Bool {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import \(module)"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }
}

/// Python sources of the peers.
enum PythonScripts {
    /// Exits when stdin reaches EOF, so no peer outlives its test.
    static let exitOnEOF = """
        import os, sys, threading
        threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
        """

    /// `ws`: a WebSocket server that accepts and then never answers (heartbeats go
    /// unanswered). `tcp`: a TCP server that never answers the HTTP upgrade.
    /// Prints its port.
    static let silentServer =
        exitOnEOF + """

            import asyncio
            from websockets.asyncio.server import serve

            async def silent(ws):
                try:
                    async for _ in ws:
                        pass
                except Exception:
                    pass  # the client gives up on us: that is the point

            async def hold(reader, writer):
                await reader.read()

            async def main():
                if sys.argv[1] == "ws":
                    server = await serve(silent, "127.0.0.1", 0, ping_interval=None)
                else:
                    server = await asyncio.start_server(hold, "127.0.0.1", 0)
                print(server.sockets[0].getsockname()[1], flush=True)
                await asyncio.Future()

            asyncio.run(main())
            """

    /// The PyPI `realtime` client (vsn 1.0.0) on channel argv[2] of the server at
    /// argv[1]: tracks `{"name": "py"}`, prints presence syncs and the broadcasts it
    /// gets, and answers `from-swift` with `from-python` echoing the payload.
    static let realtimePeer =
        exitOnEOF + """

            import asyncio, json
            from realtime import AsyncRealtimeClient

            def out(obj):
                print(json.dumps(obj, ensure_ascii=False), flush=True)

            async def main():
                client = AsyncRealtimeClient(argv_url, token="anon", auto_reconnect=False)
                await client.connect()
                channel = client.channel(argv_channel, {"config": {
                    "broadcast": {"self": False, "ack": False},
                    "presence": {"key": "users", "enabled": True},
                    "private": False}})
                loop = asyncio.get_running_loop()

                def on_swift(message):
                    out({"broadcast": message})
                    inner = message.get("payload", {})
                    loop.create_task(channel.send_broadcast("from-python", {"echo": inner}))

                def on_sync():
                    state = channel.presence_state()
                    names = sorted(m.get("name") for metas in state.values() for m in metas)
                    out({"presence": names})

                channel.on_broadcast("from-swift", on_swift)
                channel.on_presence_sync(on_sync)
                await channel.subscribe()
                await channel.track({"name": "py"})
                out({"ready": True})
                await asyncio.Future()

            argv_url, argv_channel = sys.argv[1], sys.argv[2]
            asyncio.run(main())
            """

    /// A TLS terminator in front of the relay at 127.0.0.1:argv[1], with a fresh
    /// self-signed certificate for `localhost` written to argv[2]. Prints its port.
    static let tlsProxy =
        exitOnEOF + """

            import asyncio, datetime, ipaddress, ssl
            from cryptography import x509
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import ec
            from cryptography.x509.oid import NameOID

            relay_port, cert_path = int(sys.argv[1]), sys.argv[2]
            key = ec.generate_private_key(ec.SECP256R1())
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
            now = datetime.datetime.now(datetime.timezone.utc)
            cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                    .serial_number(x509.random_serial_number())
                    .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
                    .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                                x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                    .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                    .sign(key, hashes.SHA256()))
            key_path = cert_path + ".key"
            with open(cert_path, "wb") as f:
                f.write(cert.public_bytes(serialization.Encoding.PEM))
            with open(key_path, "wb") as f:
                f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert_path, key_path)

            async def pipe(reader, writer):
                try:
                    while data := await reader.read(65536):
                        writer.write(data)
                        await writer.drain()
                except (ConnectionError, ssl.SSLError):
                    pass
                finally:
                    writer.close()

            async def handle(client_reader, client_writer):
                relay_reader, relay_writer = await asyncio.open_connection("127.0.0.1", relay_port)
                await asyncio.gather(pipe(client_reader, relay_writer), pipe(relay_reader, client_writer))

            async def main():
                server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
                print(server.sockets[0].getsockname()[1], flush=True)
                await asyncio.Future()

            asyncio.run(main())
            """

    /// A scripted vsn 2.0.0 server: accepts one join, then sends frames no client
    /// should act on (garbage, truncated binary kinds, a malformed presence diff, a
    /// frame of a stale join) followed by one good broadcast. Prints its port.
    static let garbageServer =
        exitOnEOF + #"""

            import asyncio, json
            from websockets.asyncio.server import serve

            async def phoenix(ws):
                try:
                    async for raw in ws:
                        join_ref, ref, topic, event, payload = json.loads(raw)[:5]
                        if event == "heartbeat":
                            await ws.send(json.dumps([None, ref, "phoenix", "phx_reply", {"status": "ok", "response": {}}]))
                        elif event == "phx_join":
                            await ws.send(json.dumps([join_ref, ref, topic, "phx_reply", {"status": "ok", "response": {}}]))
                            for junk in ["not json", "[1,2]", '{"topic":1}', "[null,null,7,\"x\",{}]",
                                         json.dumps([None, None, topic, "broadcast", "not an object"]),
                                         json.dumps([None, None, topic, "broadcast", {"type": "broadcast"}]),
                                         json.dumps([join_ref, None, topic, "presence_diff", {"joins": 5}]),
                                         json.dumps([join_ref, None, topic, "presence_state", {"k": {"metas": [{"no": "ref"}]}}]),
                                         json.dumps(["stale", None, topic, "broadcast",
                                                     {"type": "broadcast", "event": "stale", "payload": {}}]),
                                         json.dumps([None, None, "realtime:elsewhere", "broadcast",
                                                     {"type": "broadcast", "event": "elsewhere", "payload": {}}])]:
                                await ws.send(junk)
                            for junk in [b"\x04\x05", b"\x04\x01\x01\x00\x07ab", b"\x09", b""]:
                                await ws.send(junk)
                            await ws.send(json.dumps([None, None, topic, "broadcast",
                                                      {"type": "broadcast", "event": "after-garbage", "payload": {"ok": True}}]))
                except Exception:
                    pass

            async def main():
                server = await serve(phoenix, "127.0.0.1", 0, ping_interval=None)
                print(server.sockets[0].getsockname()[1], flush=True)
                await asyncio.Future()

            asyncio.run(main())
            """#

    /// The `websockets` client opening the socket URL argv[1]: prints
    /// `{"status": 101}` when the upgrade succeeds, else the refusal's status, its
    /// Content-Type and body, as a browser's or realtime-js's WebSocket would see them.
    static let handshakeProbe =
        exitOnEOF + """

            import asyncio, json
            from websockets.asyncio.client import connect
            from websockets.exceptions import InvalidStatus

            async def main():
                try:
                    async with connect(sys.argv[1], open_timeout=20):
                        print(json.dumps({"status": 101}), flush=True)
                except InvalidStatus as refused:
                    response = refused.response
                    print(json.dumps({"status": response.status_code,
                                      "contentType": response.headers.get("Content-Type"),
                                      "body": response.body.decode("utf-8", "replace")}), flush=True)

            asyncio.run(main())
            """
}
