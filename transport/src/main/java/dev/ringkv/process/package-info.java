/**
 * What a server process needs of its host before it serves: where it logs, and who holds the
 * port it could not bind.
 */
package dev.ringkv.process;
