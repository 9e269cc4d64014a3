/** The node-local store: versioned records and hints in RocksDB, applied last-write-wins. */
package dev.ringkv.storage.engine;
