/** Conversions between the generated protobuf messages and the plain-Java ring model. */
package dev.ringkv.wire;
