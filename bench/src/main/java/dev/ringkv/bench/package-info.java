/**
 * The benchmark jar: starts real clusters with the project's own scripts, drives them with
 * {@link dev.ringkv.client.KvClient}, and writes CSV, JSON and PNG results.
 */
package dev.ringkv.bench;
