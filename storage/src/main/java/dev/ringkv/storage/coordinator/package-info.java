/**
 * The coordinator: stamps versions, fans writes and reads out to a key's preference list, answers
 * after the consistency level's quorum, repairs stale replicas and hints for failed ones.
 */
package dev.ringkv.storage.coordinator;
