package dev.ringkv.storage.sync;

import dev.ringkv.version.Version;

/** A key and the version a replica holds of it. */
public record KeyVersion(String key, Version version) {}
