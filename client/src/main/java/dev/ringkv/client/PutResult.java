package dev.ringkv.client;

/** An acknowledged write (put or delete) and the node that coordinated it. */
public record PutResult(String key, String coordinator) {}
