/** The YCSB binding: run the standard YCSB workloads against ringkv through {@code KvClient}. */
package dev.ringkv.bench.ycsb;
