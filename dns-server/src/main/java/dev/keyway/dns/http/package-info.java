/**
 * iroh-dns-server's HTTP API: {@code /pkarr/{z32}} publish and fetch, DNS over HTTPS and the JSON
 * API, health; {@link dev.keyway.dns.http.ApiError} is the one place where failures become HTTP
 * statuses; HTTPS certificates in {@link dev.keyway.dns.http.TlsCertificates}.
 */
package dev.keyway.dns.http;
