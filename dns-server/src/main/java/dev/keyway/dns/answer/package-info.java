/**
 * The answering function: {@link dev.keyway.dns.answer.ZoneAnswerer#answer} turns one DNS query
 * (wire form) into one response (wire form) for every transport; {@link
 * dev.keyway.dns.answer.Status} is the one place where outcomes become RCODEs. No I/O besides
 * reading the zone cache.
 */
package dev.keyway.dns.answer;
