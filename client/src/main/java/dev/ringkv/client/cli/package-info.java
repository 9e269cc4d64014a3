/** The command-line client ({@code scripts/client}) and the cluster status tool, on KvClient. */
package dev.ringkv.client.cli;
