// The RealtimeProtocol module. See README.md for the module map.
