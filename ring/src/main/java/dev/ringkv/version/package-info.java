/** Hybrid logical clock versions: how concurrent writes to one key are ordered (last write wins). */
package dev.ringkv.version;
