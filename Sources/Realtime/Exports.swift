// Callers of the client speak the same message types (JSONValue, UserPayload) as the
// codec, so they get them without importing RealtimeProtocol themselves.
@_exported import RealtimeProtocol
