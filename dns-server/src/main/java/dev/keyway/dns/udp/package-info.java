/** DNS over UDP, and response rate limiting against reflection. */
package dev.keyway.dns.udp;
