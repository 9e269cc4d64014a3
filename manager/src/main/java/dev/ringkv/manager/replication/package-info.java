/**
 * The managers' replicated state on Apache Ratis: a Raft group whose log holds table changes,
 * each applied only on top of the table it was made from. A single manager is a group of one.
 */
package dev.ringkv.manager.replication;
