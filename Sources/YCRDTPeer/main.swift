import Foundation

// YCRDTPeer: a set of YCRDT replicas driven by JSON lines on stdin, one reply
// line per request on stdout (protocol: Peer.swift). Used by the differential
// tests against pycrdt in Tests/python/test_crdt_differential.py.

setvbuf(stdout, nil, _IOFBF, 1 << 16)
let peer = Peer()
while let line = readLine(strippingNewline: true) {
    if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
    var reply: [String: Any]
    var id: Any?
    do {
        let request = try Request(line: line)
        id = request.fields["id"]
        reply = try peer.handle(request)
        reply["ok"] = true
    } catch {
        reply = ["ok": false, "error": String(describing: error)]
    }
    if let id { reply["id"] = id }
    let data =
        (try? JSONSerialization.data(withJSONObject: reply, options: [.sortedKeys]))
        ?? Data(#"{"ok":false,"error":"reply could not be encoded as JSON"}"#.utf8)
    data.withUnsafeBytes { raw in _ = fwrite(raw.baseAddress, 1, raw.count, stdout) }
    fputc(0x0a, stdout)
    fflush(stdout)
}
