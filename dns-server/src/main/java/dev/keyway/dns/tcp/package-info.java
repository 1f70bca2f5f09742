/** DNS over TCP with 2-byte length framing, pipelining and an idle timeout (RFC 7766). */
package dev.keyway.dns.tcp;
