// The Collab module. See README.md for the module map.
