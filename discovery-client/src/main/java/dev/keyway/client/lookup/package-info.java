/**
 * Finding an endpoint's addresses from its id: the {@link dev.keyway.client.lookup.AddressLookup}
 * interface (iroh's trait of the same name), its answers as a
 * {@link dev.keyway.client.lookup.LookupStream} of {@link dev.keyway.client.lookup.LookupItem}s
 * with provenance and last-updated time, {@link dev.keyway.client.lookup.ConcurrentLookup} to ask
 * several services at once, the {@link dev.keyway.client.lookup.TtlCache} with pkarr's freshness
 * rule, and the {@link dev.keyway.client.lookup.Resolver} front door ({@code resolve(id)},
 * {@code resolve(ticket)}).
 *
 * <p>Start from {@link dev.keyway.client.lookup.Resolver}. Everything runs on a
 * {@link dev.keyway.client.lookup.ClientRuntime}: one loop thread for timers and DNS sockets plus
 * the JDK HTTP client; time comes from its {@link dev.keyway.client.lookup.Scheduler}, which tests
 * replace with a manual one. Every call returns at once; absent results are
 * {@code Optional.empty()} ("not found"), failures complete futures exceptionally.
 *
 * <p>Application callbacks (listeners, dependents of the futures handed out) run on the thread
 * that completes them, often the loop, where they must not block; or, with
 * {@link dev.keyway.client.lookup.ClientRuntime.Builder#callbackExecutor}, on the application's
 * executor, in order per stream (and per publisher listener), where they may.
 */
package dev.keyway.client.lookup;
