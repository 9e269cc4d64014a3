/** Hinted handoff: writes held for replicas that missed them, delivered once they are UP. */
package dev.ringkv.storage.hints;
