/**
 * Transport security shared by every ringkv process: TLS credentials from a cluster certificate
 * directory, bearer tokens, and the server interceptor that decides who may call what.
 */
package dev.ringkv.security;
