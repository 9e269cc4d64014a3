/**
 * Cluster membership as the manager sees it: registrations, heartbeats, failure detection, token
 * assignment and the epoch-versioned ring table. Plain Java; time is injected.
 */
package dev.ringkv.manager.membership;
