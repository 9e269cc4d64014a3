/**
 * How ringkv processes talk: {@link dev.ringkv.wire.RequestStream} (many requests over one
 * long-lived stream) and its serving end {@link dev.ringkv.wire.StreamServer}, the
 * {@link dev.ringkv.wire.InFlightBudget} that bounds what a node holds, the transport limits
 * every server runs with, and the encoding of the ring table on the wire.
 */
package dev.ringkv.wire;
