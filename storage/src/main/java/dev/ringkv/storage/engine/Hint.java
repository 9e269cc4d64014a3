package dev.ringkv.storage.engine;

/** A write held for a replica that could not take it, to be handed off when it is back. */
public record Hint(String targetNodeId, String key, Record record) {}
