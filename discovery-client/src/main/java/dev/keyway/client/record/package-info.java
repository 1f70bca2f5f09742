/**
 * iroh's endpoint records: {@link dev.keyway.client.record.EndpointInfo} (id, addresses, user
 * data) and {@link dev.keyway.client.record.IrohTxt}, the {@code _iroh} TXT codec of iroh 1.0,
 * reading from signed packets (pkarr path) or DNS answers (DNS path) and writing signed packets.
 */
package dev.keyway.client.record;
