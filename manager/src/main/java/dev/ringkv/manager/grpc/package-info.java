/** The manager's gRPC edge: validates requests, calls {@code Membership}, converts replies. */
package dev.ringkv.manager.grpc;
