/** The node's view of the cluster: its current ring table and the heartbeat that refreshes it. */
package dev.ringkv.storage.membership;
