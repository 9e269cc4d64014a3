/**
 * The ring model every ringkv process computes identically: key hashing, token ownership, home
 * replicas, preference lists and the immutable, epoch-versioned ring table. Plain Java, no I/O.
 */
package dev.ringkv.ring;
