/**
 * The storage node's gRPC edge: the client-facing and replica-facing services, the clients for
 * peers and the manager, and the one place where errors become status codes.
 */
package dev.ringkv.storage.grpc;
