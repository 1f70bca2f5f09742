/**
 * The gossip address book (after iroh-gossip-discovery): nodes broadcast signed announcements of
 * their name and addresses on a topic, and every node keeps an expiring book of the others.
 *
 * <ul>
 *   <li>{@link dev.keyway.gossip.book.Announcement} and {@link dev.keyway.gossip.book.Announcements}:
 *       the CBOR announcement and its Ed25519 envelope; forged ones (bad signature, or a signer
 *       other than the node announced) are rejected.
 *   <li>{@link dev.keyway.gossip.book.Leave} and {@link dev.keyway.gossip.book.Leaves}: the signed
 *       "leaving" message a node broadcasts when it stops on purpose, so the others drop it at once.
 *   <li>{@link dev.keyway.gossip.book.AddressBook}: entries keyed by node id, a name view, replay
 *       rejection, expiry after T with a sweep every T/4 (gone between T and 1.25·T), no IO, an
 *       injected clock.
 *   <li>{@link dev.keyway.gossip.book.GossipAddressBook}: the running service on a
 *       {@link dev.keyway.gossip.net.GossipNode} (announce, verify, sweep, join newly seen nodes at
 *       a bounded rate).
 *   <li>{@link dev.keyway.gossip.book.GossipAddressLookup}: the book as the client's
 *       {@link dev.keyway.client.lookup.AddressLookup}, provenance {@code "gossip"}.
 * </ul>
 *
 * <p>Structured events (DEBUG, key-value only): {@code events.keyway.gossip.book}.
 */
package dev.keyway.gossip.book;
