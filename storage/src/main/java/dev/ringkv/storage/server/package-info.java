/** Storage-node start-up: command-line configuration and the node's lifecycle. */
package dev.ringkv.storage.server;
