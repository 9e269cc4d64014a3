/**
 * The ringkv client library: {@link dev.ringkv.client.KvClient} routes each key to its
 * coordinator with a cached ring table, and retries on another replica with a refreshed table
 * when a node does not answer.
 */
package dev.ringkv.client;
