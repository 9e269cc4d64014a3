/** Benchmark output: CSV and JSON from result records, text tables, and PNG charts. */
package dev.ringkv.bench.report;
