/** Manager start-up: command-line configuration, server lifecycle, the failure detector. */
package dev.ringkv.manager.server;
