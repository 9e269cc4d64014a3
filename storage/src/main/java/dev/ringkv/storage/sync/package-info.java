/**
 * Range sync (anti-entropy): a node that joins a key range's preference list, restarts, or sees
 * a peer of a range come back pulls the range from its live peers by digest comparison, and
 * until it has, its answers for that range do not count toward a read quorum.
 */
package dev.ringkv.storage.sync;
